/**
 * Places point labels so they neither overlap each other nor any point or interval bar, nor leave the plot:
 * vega-lite draws text where it is told and has no collision avoidance, and two RMs with similar numbers are
 * common. Greedy, in the given order (so the selected RM gets the best spot), over rings of positions around each
 * point, nearest first. Covering another RM's point or bar costs most (it makes the label read as that RM's), then
 * leaving the plot, then the label's own bar, then distance; a label placed away from its point gets a leader line
 * (`leader: true`), so it is still clear which point it names.
 */

export interface LabelPlacement {
  /** Pixel position of the text anchor, from the plot's top-left corner. */
  readonly x: number;
  readonly y: number;
  readonly align: 'left' | 'right' | 'center';
  /** The label sits far enough from its point to need a line to it. */
  readonly leader: boolean;
}

export interface PlacementOptions {
  readonly width: number;
  readonly height: number;
  /** Estimated width of one character (12px semi-bold sans-serif). @default 7 */
  readonly characterWidth?: number;
  /** @default 15 */
  readonly lineHeight?: number;
  /** Half the size of a point and its interval cap, kept clear of labels. @default 8 */
  readonly pointRadius?: number;
  /** A label anchored farther than this from its point gets a leader line. @default 24 */
  readonly leaderDistance?: number;
}

interface Box { left: number; right: number; top: number; bottom: number }
interface Obstacle extends Box { readonly owner: number; readonly kind: 'point' | 'bar' | 'label' }

/** Offsets from the point, nearest first: beside it, above and below it, then wider rings. */
const CANDIDATES: ReadonlyArray<{ dx: number; dy: number; align: LabelPlacement['align'] }> = (() => {
  const out: Array<{ dx: number; dy: number; align: LabelPlacement['align'] }> = [];
  for (const ring of [1, 2, 3, 4, 5]) {
    const side = 11 + (ring - 1) * 14;
    const vertical = 17 * ring;
    out.push(
      { dx: side, dy: 0, align: 'left' },
      { dx: -side, dy: 0, align: 'right' },
      { dx: 0, dy: -vertical, align: 'center' },
      { dx: 0, dy: vertical, align: 'center' },
      { dx: side - 2, dy: -vertical + 2, align: 'left' },
      { dx: -side + 2, dy: -vertical + 2, align: 'right' },
      { dx: side - 2, dy: vertical - 2, align: 'left' },
      { dx: -side + 2, dy: vertical - 2, align: 'right' },
    );
  }
  return out;
})();

export interface LabelledPoint {
  /** Pixel position of the point, from the plot's top-left corner. */
  readonly x: number;
  readonly y: number;
  readonly text: string;
  /** Pixel extent of the point's vertical interval bar, also kept clear. */
  readonly intervalTop?: number;
  readonly intervalBottom?: number;
}

export function placeLabels(points: readonly LabelledPoint[], options: PlacementOptions): LabelPlacement[] {
  const characterWidth = options.characterWidth ?? 7;
  const lineHeight = options.lineHeight ?? 15;
  const radius = options.pointRadius ?? 8;
  const leaderDistance = options.leaderDistance ?? 24;
  const obstacles: Obstacle[] = points.flatMap((point, owner): Obstacle[] => [
    { owner, kind: 'point', left: point.x - radius, right: point.x + radius, top: point.y - radius, bottom: point.y + radius },
    ...(point.intervalTop === undefined && point.intervalBottom === undefined
      ? []
      : [{ owner, kind: 'bar' as const, left: point.x - 3, right: point.x + 3, top: Math.min(point.intervalTop ?? point.y, point.y), bottom: Math.max(point.intervalBottom ?? point.y, point.y) }]),
  ]);
  return points.map((point, owner) => {
    const width = point.text.length * characterWidth;
    let best: { placement: LabelPlacement; box: Box; cost: number } | undefined;
    for (const candidate of CANDIDATES) {
      const x = point.x + candidate.dx;
      const y = point.y + candidate.dy;
      const left = candidate.align === 'left' ? x : candidate.align === 'right' ? x - width : x - width / 2;
      const box = { left, right: left + width, top: y - lineHeight / 2, bottom: y + lineHeight / 2 };
      const outside = Math.max(0, -box.left) + Math.max(0, box.right - options.width) + Math.max(0, -box.top) + Math.max(0, box.bottom - options.height);
      let cost = Math.hypot(candidate.dx, candidate.dy) + (outside > 0 ? 5_000 + outside * lineHeight : 0);
      for (const obstacle of obstacles) {
        const area = overlap(box, obstacle);
        if (area === 0) continue;
        // Another RM's mark or label under this text makes it read as that RM's; the own bar only hides itself.
        cost += area + (obstacle.owner === owner ? 400 : 10_000);
      }
      const leader = Math.hypot(candidate.dx, candidate.dy) > leaderDistance;
      if (leader) {
        // The leader line must not run through another RM's marks either.
        const crossed = new Set(obstacles.filter((obstacle) => obstacle.owner !== owner && segmentCrosses(point.x, point.y, x, y, obstacle)).map((obstacle) => obstacle.owner));
        cost += 3_000 * crossed.size;
      }
      if (!best || cost < best.cost) best = { placement: { x, y, align: candidate.align, leader }, box, cost };
    }
    obstacles.push({ ...best!.box, owner, kind: 'label' });
    return best!.placement;
  });
}

/** Whether the segment (x0, y0)-(x1, y1) passes through the box (Liang-Barsky clipping). */
export function segmentCrosses(x0: number, y0: number, x1: number, y1: number, box: Box): boolean {
  const dx = x1 - x0;
  const dy = y1 - y0;
  let enter = 0;
  let leave = 1;
  for (const [p, q] of [[-dx, x0 - box.left], [dx, box.right - x0], [-dy, y0 - box.top], [dy, box.bottom - y0]] as const) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) enter = Math.max(enter, t);
    else leave = Math.min(leave, t);
    if (enter > leave) return false;
  }
  return true;
}

function overlap(a: Box, b: Box): number {
  const width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return width > 0 && height > 0 ? width * height : 0;
}

/** A round upper bound for an axis (1.54 -> 1.6, 0.37 -> 0.4), so an explicit domain still reads well. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const multiple of [1, 1.2, 1.4, 1.6, 1.8, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (multiple * magnitude >= value - 1e-12) return Number((multiple * magnitude).toPrecision(12));
  }
  return 10 * magnitude;
}
