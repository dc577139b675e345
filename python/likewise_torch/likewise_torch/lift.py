"""How an edit made at the working size comes back at the photo's own size (Sources/Engine/Images/
Lift.swift and BilateralGrid.swift): the five lifts, the bilateral grid of affine colour maps
they fit between the downscaled photo and its edit, and `adaptive`'s gate. Images `[3, H, W]`
float32 in [0, 1]; the fits in float64 and solved as Likewise solves them."""

import torch

from .mx import IDENTITY

LIFTS = ("upsample", "detail", "grid", "residual", "adaptive")
CELL_SIDE, LEVELS = 8, 8
RIDGE = float(torch.tensor(1e-2, dtype=torch.float32))
ADAPTIVE_TOLERANCE = float(torch.tensor(0.2, dtype=torch.float32))


def luma(image):
    """Where a pixel sits along the grid's luma axis: 0.25 R + 0.5 G + 0.25 B, in [0, 1]."""
    return (0.25 * image[0] + 0.5 * image[1] + 0.25 * image[2]).clamp(0, 1)


def grid_axis(samples, cells):
    """Per sample along an axis: its two cells and the share of the second (centres at
    (c + 0.5)/cells of the axis; outside the outermost the nearest takes all)."""
    scale = torch.tensor(cells, dtype=torch.float32) / samples
    position = ((torch.arange(samples, dtype=torch.float32) + 0.5) * scale - 0.5).clamp(0, cells - 1)
    c0 = position.long().clamp(max=cells - 1)
    return c0, (c0 + 1).clamp(max=cells - 1), position - c0.float()


def luma_level(value, levels):
    position = (value * levels - 0.5).clamp(0, levels - 1)
    l0 = position.long().clamp(max=levels - 1)
    return l0, (l0 + 1).clamp(max=levels - 1), position - l0.float()


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


def solve_map(a, b, prior, strength):
    """The 3×4 map solving the normal equations (a 4×4, b 4×3, float64) pulled towards `prior`
    (12 numbers, row-major 3×4) with `strength`; None when singular."""
    a = a.clone() + strength * torch.eye(4, dtype=torch.float64)
    b = b.clone() + strength * torch.tensor(prior, dtype=torch.float64).reshape(3, 4).t()
    x = solve(a.tolist(), b.tolist())
    return None if x is None else [x[m % 4][m // 4] for m in range(12)]


def bilateral_fit(source, target, cell_side=CELL_SIDE, levels=LEVELS, ridge=RIDGE):
    """The grid `[rows, columns, levels, 12]` that best turns `source` into `target`: each pixel
    shared trilinearly among its eight nearest cells, each cell's fit pulled towards the whole
    image's map by `ridge` per unit of its pixels' weight."""
    _, h, w = source.shape
    columns, rows = min(max(w // cell_side, 1), 64), min(max(h // cell_side, 1), 64)
    r0, r1, fy = grid_axis(h, rows)
    c0, c1, fx = grid_axis(w, columns)
    l0, l1, fl = luma_level(luma(source), levels)
    s = torch.cat([source, torch.ones(1, h, w)]).reshape(4, -1).t().to(torch.float64)  # [P, 4]
    t = target.reshape(3, -1).t().to(torch.float64)
    ss, st = torch.einsum("pi,pj->pij", s, s), torch.einsum("pi,pj->pij", s, t)
    cells = rows * columns * levels
    a = torch.zeros(cells, 4, 4, dtype=torch.float64)
    b = torch.zeros(cells, 4, 3, dtype=torch.float64)
    weight = torch.zeros(cells, dtype=torch.float64)
    for corner in range(8):
        ry, wy = (r0, 1 - fy) if corner & 4 == 0 else (r1, fy)
        cx, wx = (c0, 1 - fx) if corner & 2 == 0 else (c1, fx)
        ll, wl = (l0, 1 - fl) if corner & 1 == 0 else (l1, fl)
        share = ((wy[:, None] * wx[None, :]) * wl).reshape(-1).to(torch.float64)
        cell = ((ry[:, None] * columns + cx[None, :]) * levels + ll).reshape(-1)
        weight.index_add_(0, cell, share)
        a.index_add_(0, cell, share[:, None, None] * ss)
        b.index_add_(0, cell, share[:, None, None] * st)
    overall = solve_map(ss.sum(0), st.sum(0), IDENTITY, 1e-4 * ridge * (w * h)) or IDENTITY
    maps = [solve_map(a[k], b[k], overall, ridge * weight[k].item() + 1e-6) or overall for k in range(cells)]
    return torch.tensor(maps, dtype=torch.float32).reshape(rows, columns, levels, 12)


def bilinear_axis(input, output):
    """Per output sample: the two input samples around it and the share of the second."""
    scale = torch.tensor(input, dtype=torch.float32) / output
    s = ((torch.arange(output, dtype=torch.float32) + 0.5) * scale - 0.5).clamp(min=0)
    i0 = s.long().clamp(max=input - 1)
    return i0, (i0 + 1).clamp(max=input - 1), s - i0.float()


def upsampled(low, width, height):
    """`low` (`[C, h, w]`) sampled bilinearly at width × height, as the lift samples its remainder."""
    y0, y1, wy = bilinear_axis(low.shape[1], height)
    x0, x1, wx = bilinear_axis(low.shape[2], width)
    top = low[:, y0][:, :, x0] + wx * (low[:, y0][:, :, x1] - low[:, y0][:, :, x0])
    bottom = low[:, y1][:, :, x0] + wx * (low[:, y1][:, :, x1] - low[:, y1][:, :, x0])
    return top + wy[:, None] * (bottom - top)


def mapped(grid, guide):
    """`guide` with each pixel mapped by the grid's maps around (x, y, its luma)."""
    _, h, w = guide.shape
    rows, columns, levels, _ = grid.shape
    r0, r1, fy = grid_axis(h, rows)
    c0, c1, fx = grid_axis(w, columns)
    blended = grid[r0] + fy[:, None, None, None] * (grid[r1] - grid[r0])  # [H, columns, levels, 12], rows blended
    l0, l1, fl = luma_level(luma(guide), levels)
    s = torch.cat([guide, torch.ones(1, h, w)])  # [4, H, W]
    value = torch.zeros(3, h, w)
    ys = torch.arange(h)[:, None]
    for corner in range(4):
        cx, wx = (c0, 1 - fx) if corner & 2 == 0 else (c1, fx)
        ll, wl = (l0, 1 - fl) if corner & 1 == 0 else (l1, fl)
        m = blended[ys, cx[None, :], ll].reshape(h, w, 3, 4)
        value += (wx[None, :] * wl) * torch.einsum("hwrk,khw->rhw", m, s)
    return value


def gates(edit, mapped_low):
    """`adaptive`'s gate at each working-size pixel: exp(−(e/τ)²), e the largest mean
    |edit − mapped| over the pixel's 3×3 neighbourhood."""
    misfit = (edit - mapped_low).abs().sum(0) / 3
    worst = torch.nn.functional.max_pool2d(misfit[None, None], 3, stride=1, padding=1)[0, 0]
    e = worst / ADAPTIVE_TOLERANCE
    return torch.exp(-e * e)


def lifted(lift, edit, low, source):
    """`edit` — the networks' output for `low`, which is `source` at the edit's size — at
    `source`'s size, in [0, 1]; an edit already at that size comes back as it is. Each lift is a
    base from the full-size photo plus, but for `grid`, what the base misses at the edit's size
    scaled up (Lift.lifted)."""
    if lift not in LIFTS:
        raise ValueError(f"unknown lift {lift!r}: the lifts are {', '.join(LIFTS)}")
    _, height, width = source.shape
    if edit.shape == source.shape:
        return edit
    if lift == "upsample":
        base, remainder = torch.zeros_like(source), edit
    elif lift == "detail":
        base, remainder = source, edit - low
    else:
        grid = bilateral_fit(low, edit)
        base = mapped(grid, source)
        if lift == "grid":
            return base.clamp(0, 1)
        mapped_low = mapped(grid, low)
        if lift == "residual":
            remainder = edit - mapped_low
        else:  # adaptive: the grid's photo where it explains the edit, the scaled-up edit where not
            gate = gates(edit, mapped_low)
            base, remainder = upsampled(gate[None], width, height) * base, edit - gate * mapped_low
    return (base + upsampled(remainder, width, height)).clamp(0, 1)
