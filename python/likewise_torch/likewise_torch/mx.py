"""Mx, the transformation estimator, as Likewise runs it in an edit (Sources/Models/
Transformation.swift, Sources/Engine/Flow/ColourGrid*.swift): the learned flow from an image to a
training pair's source, and a 4×4 grid of affine colour maps fitted under that flow, which carry
the pair's source and target into the image's frame.

Images are NCHW float32 in [0, 1]; the colour grid is `[rows, columns, 12]` (per cell a row-major
3×4 map RGB′ = M·[R, G, B, 1]). The fit runs in float64 as Likewise's does.
"""
import torch
import torch.nn.functional as F

from .networks import normalise, warp

CELLS = 4
RIDGE = float(torch.tensor(1e-2, dtype=torch.float32))  # Likewise's Float 1e-2, widened as it widens it
IDENTITY = [1.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]
FLOW_CHANNEL_UNIT = 8  # a flow channel's 1 is an eighth of the side (Transformation.channels)


def cell_shares(height, width, columns=CELLS, rows=CELLS):
    """`[H·W, rows·columns]` float32: each pixel's bilinear share of the (up to) four nearest cell
    centres, which sit at (c + 0.5)·(width / columns); outside the outermost centres the nearest
    cell takes all (ColourCells, in float32 as there)."""
    def axis(n, cells):
        g = ((torch.arange(n, dtype=torch.float32) + 0.5) * cells / n - 0.5).clamp(0, cells - 1)
        low = g.floor().long()
        return low, (low + 1).clamp(max=cells - 1), g - low.float()
    y0, y1, fy = axis(height, rows)
    x0, x1, fx = axis(width, columns)
    shares = torch.zeros(height, width, rows * columns)
    for ys, wy in ((y0, 1 - fy), (y1, fy)):
        for xs, wx in ((x0, 1 - fx), (x1, fx)):
            cells = (ys[:, None] * columns + xs[None, :])
            shares.scatter_add_(2, cells[..., None], (wy[:, None] * wx[None, :])[..., None])
    return shares.reshape(height * width, rows * columns)


def solve(a, b):
    """a·x = b for a 4×4 `a` and 4×3 `b` (nested lists of floats) by Gaussian elimination with
    partial pivoting, as Likewise solves it; None when a pivot is at most 1e-12."""
    a, b = [row[:] for row in a], [row[:] for row in b]
    n = len(a)
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) <= 1e-12:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        b[col], b[pivot] = b[pivot], b[col]
        for row in range(col + 1, n):
            factor = a[row][col] / a[col][col]
            for k in range(col, n):
                a[row][k] -= factor * a[col][k]
            for k in range(len(b[0])):
                b[row][k] -= factor * b[col][k]
    x = [[0.0] * len(b[0]) for _ in range(n)]
    for row in reversed(range(n)):
        for k in range(len(b[0])):
            total = b[row][k]
            for j in range(row + 1, n):
                total -= a[row][j] * x[j][k]
            x[row][k] = total / a[row][row]
    return x


def fit_colour_grid(source, target, weights=None, columns=CELLS, rows=CELLS, ridge=RIDGE):
    """The grid (`[rows, columns, 12]`) whose maps best turn `source` into `target` (`[3, H, W]`
    each), per cell the ridge-regularised least squares A·X = B with A = Σ c·s·sᵀ + λI,
    B = Σ c·s·tᵀ + λE (s = [r, g, b, 1], c = weight × share, λ = ridge·max(Σ c, 1)); pixels with
    a weight that is not positive or values that are not finite take no part; a cell that cannot
    be solved keeps the identity."""
    _, h, w = source.shape
    s = torch.cat([source.reshape(3, -1), torch.ones(1, h * w)]).t().to(torch.float64)
    t = target.reshape(3, -1).t().to(torch.float64)
    weight = torch.ones(h * w, dtype=torch.float64) if weights is None else weights.reshape(-1).to(torch.float64)
    usable = (weight > 0) & weight.isfinite() & s.isfinite().all(1) & t.isfinite().all(1)
    c = torch.where(usable[:, None], weight[:, None] * cell_shares(h, w, columns, rows).to(torch.float64), 0.0)
    s, t = torch.where(usable[:, None], s, 0.0), torch.where(usable[:, None], t, 0.0)
    a = torch.einsum("pc,pi,pj->cij", c, s, s)
    b = torch.einsum("pc,pi,pj->cij", c, s, t)
    lam = ridge * c.sum(0).clamp(min=1)
    a = a + lam[:, None, None] * torch.eye(4, dtype=torch.float64)
    b = b + lam[:, None, None] * torch.eye(4, 3, dtype=torch.float64)
    grid = []
    for cell in range(rows * columns):
        x = solve(a[cell].tolist(), b[cell].tolist())
        grid.append(IDENTITY if x is None else [x[col][row] for row in range(3) for col in range(4)])
    return torch.tensor(grid, dtype=torch.float32).reshape(rows, columns, 12)


def apply_colour_grid(grid, image):
    """`image` (`[3, H, W]`) with every pixel mapped by the blend of its cells' maps, not clamped."""
    _, h, w = image.shape
    rows, columns, _ = grid.shape
    s = torch.cat([image.reshape(3, -1), torch.ones(1, h * w)]).t()  # [P, 4]
    maps = grid.reshape(rows * columns, 3, 4)
    per_cell = torch.einsum("pk,crk->pcr", s, maps)  # each cell's map of each pixel
    return torch.einsum("pc,pcr->rp", cell_shares(h, w, columns, rows), per_cell).reshape(3, h, w)


def flow_lands_inside(flow):
    """`[H, W]`: 1 where p + flow(p) lies inside the image (where `warp` samples it), else 0."""
    _, h, w = flow.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    x, y = xs + flow[0], ys + flow[1]
    return ((x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)).float()


def transformation(flow_network, reference, frame):
    """Mx from `reference` to `frame` (`[3, H, W]` each): the flow `[2, H, W]` (frame pixel p
    corresponds to p + flow(p) in the reference) and the colour grid fitted under it."""
    flow = flow_network(normalise(frame[None]), normalise(reference[None]))[0]
    aligned = warp(reference[None], flow[None])[0]
    return flow, fit_colour_grid(aligned, frame, flow_lands_inside(flow))


def carry(flow, grid, image):
    """`image`, of the reference's frame, warped into the other and recoloured."""
    return apply_colour_grid(grid, warp(image[None], flow[None])[0])


def channels(flow, grid):
    """Mx as the head's channels, `[14, H, W]`: the flow in eighths of the side, then each
    pixel's colour map less the identity (the grid resized bilinearly to the image)."""
    _, h, w = flow.shape
    maps = F.interpolate(grid.permute(2, 0, 1)[None], size=(h, w), mode="bilinear", align_corners=False)[0]
    return torch.cat([flow * (FLOW_CHANNEL_UNIT / max(h, w)), maps - torch.tensor(IDENTITY)[:, None, None]])
