import { describe, expect, it } from 'vitest';
import { niceCeiling, placeLabels } from '../../src/report/plots/label-placement.js';

/** The text box a placement gives, with the same estimates the placer uses (7 px a character, 15 px a line). */
function box(placement: { x: number; y: number; align: string }, text: string) {
  const width = text.length * 7;
  const left = placement.align === 'left' ? placement.x : placement.align === 'right' ? placement.x - width : placement.x - width / 2;
  return { left, right: left + width, top: placement.y - 7.5, bottom: placement.y + 7.5 };
}

describe('placeLabels', () => {
  it('puts a lone label to the right of its point', () => {
    expect(placeLabels([{ x: 100, y: 100, text: 'noisy' }], { width: 720, height: 340 })).toEqual([{ x: 111, y: 100, align: 'left' }]);
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

describe('niceCeiling', () => {
  it('rounds up to a readable axis end', () => {
    expect([1.54, 0.37, 0.8, 1, 12.5, 0].map(niceCeiling)).toEqual([1.6, 0.4, 0.8, 1, 14, 1]);
  });
});
