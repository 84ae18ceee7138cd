/**
 * Places point labels so they neither overlap each other nor the points, nor leave the plot: vega-lite draws text
 * where it is told and has no collision avoidance, and two RMs with similar numbers are common. Greedy, in the
 * given order (so the selected RM gets the best spot), over a few positions around each point.
 */

export interface LabelPlacement {
  /** Pixel position of the text anchor, from the plot's top-left corner. */
  readonly x: number;
  readonly y: number;
  readonly align: 'left' | 'right' | 'center';
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
}

interface Box { left: number; right: number; top: number; bottom: number }

const CANDIDATES: ReadonlyArray<{ dx: number; dy: number; align: LabelPlacement['align'] }> = [
  { dx: 11, dy: 0, align: 'left' },
  { dx: -11, dy: 0, align: 'right' },
  { dx: 0, dy: -17, align: 'center' },
  { dx: 0, dy: 17, align: 'center' },
  { dx: 9, dy: -15, align: 'left' },
  { dx: -9, dy: -15, align: 'right' },
  { dx: 9, dy: 15, align: 'left' },
  { dx: -9, dy: 15, align: 'right' },
  { dx: 0, dy: -32, align: 'center' },
  { dx: 0, dy: 32, align: 'center' },
];

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
  const obstacles: Box[] = points.flatMap((point) => [
    { left: point.x - radius, right: point.x + radius, top: point.y - radius, bottom: point.y + radius },
    { left: point.x - 2, right: point.x + 2, top: point.intervalTop ?? point.y, bottom: point.intervalBottom ?? point.y },
  ]);
  return points.map((point) => {
    const width = point.text.length * characterWidth;
    let best: { placement: LabelPlacement; box: Box; cost: number } | undefined;
    for (const candidate of CANDIDATES) {
      const x = point.x + candidate.dx;
      const y = point.y + candidate.dy;
      const left = candidate.align === 'left' ? x : candidate.align === 'right' ? x - width : x - width / 2;
      const box = { left, right: left + width, top: y - lineHeight / 2, bottom: y + lineHeight / 2 };
      const outside = Math.max(0, -box.left) + Math.max(0, box.right - options.width) + Math.max(0, -box.top) + Math.max(0, box.bottom - options.height);
      const cost = obstacles.reduce((sum, obstacle) => sum + overlap(box, obstacle), 0) + outside * lineHeight;
      if (!best || cost < best.cost) best = { placement: { x, y, align: candidate.align }, box, cost };
      if (cost === 0) break;
    }
    obstacles.push(best!.box);
    return best!.placement;
  });
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
