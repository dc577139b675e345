"""Mx, the transformation estimator, as Likewise runs it in an edit (Sources/Models/
Transformation.swift, Sources/Engine/Flow/ColourGrid*.swift): the learned flow from an image to a
training pair's source, and a 4×4 grid of affine colour maps fitted under that flow, which carry
the pair's source and target into the image's frame.

Images are NCHW float32 in [0, 1], a batch of them at once (the cases of a training step, or the
references of an edit); each colour grid is `[rows, columns, 12]` (per cell a row-major 3×4 map
RGB′ = M·[R, G, B, 1]). The fit runs in float64 as Likewise's does.
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


def fit_colour_grids(sources, targets, weights=None, columns=CELLS, rows=CELLS, ridge=RIDGE):
    """The grids (`[N, rows, columns, 12]`) whose maps best turn each of `sources` into its
    target (`[N, 3, H, W]` each), per cell the ridge-regularised least squares A·X = B with
    A = Σ c·s·sᵀ + λI, B = Σ c·s·tᵀ + λE (s = [r, g, b, 1], c = weight × share,
    λ = ridge·max(Σ c, 1)); pixels with a weight that is not positive or values that are not
    finite take no part. In float64 and differentiable (end to end, the editor's loss reaches
    the flow through the fit); the ridge keeps every A positive definite, so every cell solves."""
    n, _, h, w = sources.shape
    s = torch.cat([sources.reshape(n, 3, -1), sources.new_ones(n, 1, h * w)], 1).transpose(1, 2).to(torch.float64)
    t = targets.reshape(n, 3, -1).transpose(1, 2).to(torch.float64)
    weight = s.new_ones(n, h * w) if weights is None else weights.reshape(n, -1).to(torch.float64)
    usable = (weight > 0) & weight.isfinite() & s.isfinite().all(2) & t.isfinite().all(2)
    shares = cell_shares(h, w, columns, rows).to(device=s.device, dtype=torch.float64)
    c = torch.where(usable[..., None], weight[..., None] * shares, 0.0)
    s, t = torch.where(usable[..., None], s, 0.0), torch.where(usable[..., None], t, 0.0)
    a = torch.einsum("npc,npi,npj->ncij", c, s, s)
    b = torch.einsum("npc,npi,npj->ncij", c, s, t)
    lam = ridge * c.sum(1).clamp(min=1)
    a = a + lam[..., None, None] * torch.eye(4, dtype=torch.float64, device=s.device)
    b = b + lam[..., None, None] * torch.eye(4, 3, dtype=torch.float64, device=s.device)
    maps = torch.linalg.solve(a, b).transpose(2, 3)  # [N, cells, 3, 4]: row-major 3×4 per cell
    return maps.reshape(n, rows, columns, 12).to(sources.dtype)


def apply_colour_grids(grids, images):
    """`images` (`[N, 3, H, W]`) with every pixel mapped by the blend of its cells' maps in its
    own grid (`[N, rows, columns, 12]`), not clamped."""
    n, _, h, w = images.shape
    _, rows, columns, _ = grids.shape
    s = torch.cat([images.reshape(n, 3, -1), images.new_ones(n, 1, h * w)], 1)  # [N, 4, P]
    maps = grids.reshape(n, rows * columns, 3, 4)
    per_cell = torch.einsum("nkp,ncrk->npcr", s, maps)  # each cell's map of each pixel
    shares = cell_shares(h, w, columns, rows).to(images.device)
    return torch.einsum("pc,npcr->nrp", shares, per_cell).reshape(n, 3, h, w)


def flow_lands_inside(flows):
    """`[N, H, W]`: 1 where p + flow(p) lies inside the image (where `warp` samples it), else 0."""
    _, _, h, w = flows.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=flows.dtype, device=flows.device),
                            torch.arange(w, dtype=flows.dtype, device=flows.device), indexing="ij")
    x, y = xs + flows[:, 0], ys + flows[:, 1]
    return ((x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)).to(flows.dtype)


def transformations(flow_network, references, frames):
    """Mx from each of `references` to its frame (`[N, 3, H, W]` each): the flows `[N, 2, H, W]`
    (frame pixel p corresponds to p + flow(p) in the reference) and the colour grids fitted under
    them. Differentiable in the flow network's weights."""
    flows = flow_network(normalise(frames), normalise(references))
    return flows, fit_colour_grids(warp(references, flows), frames, flow_lands_inside(flows))


def carried(flows, grids, images):
    """`images`, each of its reference's frame, warped into the other and recoloured."""
    return apply_colour_grids(grids, warp(images, flows))


def channels(flows, grids):
    """Mx as the head's channels, `[N, 14, H, W]`: the flow in eighths of the side, then each
    pixel's colour map less the identity (the grid resized bilinearly to the image)."""
    _, _, h, w = flows.shape
    maps = F.interpolate(grids.permute(0, 3, 1, 2), size=(h, w), mode="bilinear", align_corners=False)
    identity = torch.tensor(IDENTITY, dtype=maps.dtype, device=maps.device)[None, :, None, None]
    return torch.cat([flows * (FLOW_CHANNEL_UNIT / max(h, w)), maps - identity], 1)
