/** The named testbed experiments, each `(options) => Promise<JSON result>`, and their Markdown summaries. */
import { routerComparison, routerComparisonMarkdown, type RouterComparisonResult } from './router-comparison.js';
import { routerDemo, routerDemoMarkdown, type RouterDemoResult } from './router-demo.js';
import { routerSweep, routerSweepMarkdown, type RouterSweepResult } from './router-sweep.js';
import { sentiment, sentimentMarkdown, type SentimentResult } from './sentiment.js';
import { table2, table2Markdown, type Table2Result, table2Seeds, table2SeedsMarkdown, type Table2SeedsResult } from './table2.js';
import { theorem1, theorem1Markdown, type Theorem1Result } from './theorem1.js';
import { theorem2, theorem2Markdown, type Theorem2Result } from './theorem2.js';
import { theorem3, theorem3Markdown, type Theorem3Result } from './theorem3.js';

export type ExperimentResult = Theorem1Result | Theorem2Result | Theorem3Result | Table2Result | Table2SeedsResult | SentimentResult | RouterComparisonResult | RouterSweepResult | RouterDemoResult;

export const EXPERIMENT_NAMES = ['theorem1', 'theorem2', 'theorem3', 'table2', 'table2-seeds', 'sentiment', 'router', 'router-sweep', 'router-demo'] as const;
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];

export function isExperimentName(name: string): name is ExperimentName {
  return (EXPERIMENT_NAMES as readonly string[]).includes(name);
}

/** Runs one experiment with its default options and the given seed. */
export async function runExperiment(name: ExperimentName, options: { readonly seed?: number } = {}): Promise<ExperimentResult> {
  switch (name) {
    case 'theorem1':
      return theorem1(options);
    case 'theorem2':
      return theorem2(options);
    case 'theorem3':
      return theorem3(options);
    case 'table2':
      return table2(options);
    case 'table2-seeds':
      // Seeds 1-6 always (the point is several seeds); --seed does not apply.
      return table2Seeds();
    case 'sentiment':
      return sentiment(options);
    case 'router':
      return routerComparison(options);
    case 'router-sweep':
      return routerSweep(options);
    case 'router-demo':
      return routerDemo(options);
  }
}

export function experimentMarkdown(result: ExperimentResult): string {
  switch (result.experiment) {
    case 'theorem1':
      return theorem1Markdown(result);
    case 'theorem2':
      return theorem2Markdown(result);
    case 'theorem3':
      return theorem3Markdown(result);
    case 'table2':
      return table2Markdown(result);
    case 'table2-seeds':
      return table2SeedsMarkdown(result);
    case 'sentiment':
      return sentimentMarkdown(result);
    case 'router':
      return routerComparisonMarkdown(result);
    case 'router-sweep':
      return routerSweepMarkdown(result);
    case 'router-demo':
      return routerDemoMarkdown(result);
  }
}

export { routerComparison, routerDemo, routerSweep, sentiment, table2, table2Seeds, theorem1, theorem2, theorem3 };
