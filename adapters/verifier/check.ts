/**
 * What every kind of verifier provides: what it expects for a label (a normalized answer, compiled patterns, a
 * value, a compiled schema), made once per distinct label and throwing a LabelError for one it cannot use, and
 * whether an answer meets that expectation. Keeping the two apart means a bad label is an error whatever the
 * completion looks like, and a malformed completion is only ever a fail.
 */
import type { Label } from '../../src/spec/label.js';

export interface AnswerCheck<Expected = unknown> {
  /** Whether the check reads labels; false when a fixed pattern or schema from the options is used instead. */
  readonly usesLabel: boolean;
  /** The expectation a label stands for (throws LabelError when it cannot be used). */
  expected(label: Label | undefined): Expected;
  /** Whether the extracted answer passes. */
  passes(answer: string, expected: Expected): boolean;
  /** Whether a whole completion is an answer by itself (the `standalone` step of the `auto` rule). */
  standalone?(text: string): boolean;
}
