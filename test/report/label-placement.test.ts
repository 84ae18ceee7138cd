import { describe, expect, it } from 'vitest';
import { niceCeiling, placeLabels, segmentCrosses } from '../../src/report/plots/label-placement.js';

/** The text box a placement gives, with the same estimates the placer uses (7 px a character, 15 px a line). */
function box(placement: { x: number; y: number; align: string }, text: string, characterWidth = 7, lineHeight = 15) {
  const width = text.length * characterWidth;
  const left = placement.align === 'left' ? placement.x : placement.align === 'right' ? placement.x - width : placement.x - width / 2;
  return { left, right: left + width, top: placement.y - lineHeight / 2, bottom: placement.y + lineHeight / 2 };
}

describe('placeLabels', () => {
  it('puts a lone label to the right of its point', () => {
    expect(placeLabels([{ x: 100, y: 100, text: 'noisy' }], { width: 720, height: 340 })).toEqual([{ x: 111, y: 100, align: 'left', leader: false }]);
  });

  it('moves a label left when the right side would leave the plot', () => {
    const [placement] = placeLabels([{ x: 700, y: 100, text: 'accurate-flat' }], { width: 720, height: 340 });
    expect(placement.align).toBe('right');
    expect(box(placement, 'accurate-flat').left).toBeGreaterThanOrEqual(0);
  });

  it('keeps the labels of two nearby points apart, and off both points', () => {
    const points = [{ x: 400, y: 100, text: 'afinn (selected)' }, { x: 370, y: 102, text: 'wink' }];
    const placements = placeLabels(points, { width: 720, height: 340 });
    const [a, b] = placements.map((placement, index) => box(placement, points[index].text));
    const separated = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
    expect(separated).toBe(true);
    for (const label of [a, b]) {
      for (const point of points) {
        const clear = label.right <= point.x - 8 || label.left >= point.x + 8 || label.bottom <= point.y - 8 || label.top >= point.y + 8;
        expect(clear).toBe(true);
      }
    }
  });
});

/** Does a text box cover a point (radius 8) or cross a vertical interval bar (3 px either side)? */
function covers(label: ReturnType<typeof box>, point: { x: number; y: number; intervalTop?: number; intervalBottom?: number }): boolean {
  const hit = (left: number, right: number, top: number, bottom: number) => label.left < right && label.right > left && label.top < bottom && label.bottom > top;
  return hit(point.x - 8, point.x + 8, point.y - 8, point.y + 8) || (point.intervalTop !== undefined && hit(point.x - 3, point.x + 3, point.intervalTop, point.intervalBottom!));
}

describe('placeLabels on crowded plots', () => {
  // The demo's scatter as it is drawn (720 x 340, pixels): afinn (selected) right of wink, both with tall bars,
  // afinn near the right edge, so neither side of it is free at its own height.
  const demo = [
    { x: 605, y: 119, text: 'afinn (selected)', intervalTop: 49, intervalBottom: 189 },
    { x: 551, y: 120, text: 'wink', intervalTop: 53, intervalBottom: 183 },
    { x: 87, y: 121, text: 'bow-rm', intervalTop: 58, intervalBottom: 186 },
    { x: 719, y: 338, text: 'vader-flat', intervalTop: 338, intervalBottom: 338 },
  ];

  it('keeps the selected label off the other RMs\' points and bars, inside the plot, with a leader line when it moves away', () => {
    const placements = placeLabels(demo, { width: 720, height: 340 });
    placements.forEach((placement, index) => {
      const label = box(placement, demo[index].text);
      for (const [other, point] of demo.entries()) if (other !== index) expect(covers(label, point), `${demo[index].text} over ${point.text}`).toBe(false);
      expect(label.left).toBeGreaterThanOrEqual(0);
      expect(label.right).toBeLessThanOrEqual(720);
      expect(label.top).toBeGreaterThanOrEqual(0);
    });
    // afinn's label went above its own bar, so it is far from the point and gets a line.
    expect(placements[0]).toMatchObject({ align: 'center', leader: true });
    expect(placements[0].y).toBeLessThan(49);
  });

  it('a leader line never runs through another RM\'s point when a clear spot exists', () => {
    // Three RMs in a corner of a 300 x 240 panel, 10 to 20 px apart (the Table 2 plot's low-variance RMs).
    const cluster = [
      { x: 20, y: 223, text: 'gold-compressed-0.25' },
      { x: 40, y: 212, text: 'gold-x0.001-on-half' },
      { x: 31, y: 228, text: 'noisy-1-compressed-0.25' },
    ];
    const placements = placeLabels(cluster, { width: 300, height: 240, characterWidth: 6, lineHeight: 13, pointRadius: 6, leaderDistance: 14 });
    const boxes = placements.map((placement, index) => box(placement, cluster[index].text, 6, 13));
    for (const label of boxes) expect(label.left >= 0 && label.right <= 300 && label.top >= 0 && label.bottom <= 240).toBe(true);
    for (let a = 0; a < boxes.length; a++) {
      for (let b = a + 1; b < boxes.length; b++) {
        const apart = boxes[a].right <= boxes[b].left || boxes[b].right <= boxes[a].left || boxes[a].bottom <= boxes[b].top || boxes[b].bottom <= boxes[a].top;
        expect(apart, `${cluster[a].text} / ${cluster[b].text}`).toBe(true);
      }
    }
    placements.forEach((placement, index) => {
      if (!placement.leader) return;
      for (const [other, point] of cluster.entries()) {
        if (other === index) continue;
        expect(segmentCrosses(cluster[index].x, cluster[index].y, placement.x, placement.y, { left: point.x - 6, right: point.x + 6, top: point.y - 6, bottom: point.y + 6 })).toBe(false);
      }
    });
  });
});

describe('segmentCrosses', () => {
  it('agrees with a dense sampling of the segment', () => {
    const boxes = [{ left: 10, right: 20, top: 10, bottom: 20 }, { left: 0, right: 1, top: 0, bottom: 100 }];
    const segments = [[0, 0, 30, 30], [0, 15, 5, 15], [15, 0, 15, 30], [25, 25, 40, 40], [-5, 50, 5, 50], [2, 0, 2, 100]];
    for (const b of boxes) {
      for (const [x0, y0, x1, y1] of segments) {
        let sampled = false;
        for (let t = 0; t <= 1; t += 1 / 2000) {
          const x = x0 + t * (x1 - x0);
          const y = y0 + t * (y1 - y0);
          if (x >= b.left && x <= b.right && y >= b.top && y <= b.bottom) sampled = true;
        }
        expect(segmentCrosses(x0, y0, x1, y1, b), `${[x0, y0, x1, y1]} vs ${JSON.stringify(b)}`).toBe(sampled);
      }
    }
  });
});

describe('niceCeiling', () => {
  it('rounds up to a readable axis end', () => {
    expect([1.54, 0.37, 0.8, 1, 12.5, 0].map(niceCeiling)).toEqual([1.6, 0.4, 0.8, 1, 14, 1]);
  });
});
