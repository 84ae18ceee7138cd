/**
 * Bringing your own data: chat messages as prompts and completions, one row per completion (TRL / Hugging Face
 * shape) grouped with `groupBy`, and Parquet files (built here with hyparquet-writer, with the nested list and
 * struct columns Hugging Face datasets use). Each is checked against the same data written as native JSONL groups.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/io/group-by.js';
import { chatFormsOf, renderCompletion, renderPrompt, type ChatMessageInput } from '../../src/io/messages.js';
import { readRollouts, serializeRollout, type RolloutRecord } from '../../src/io/rollouts.js';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { fillScores } from '../../src/score/fill.js';
import { scoreRollouts } from '../../src/score/score-rollouts.js';
import { measureRolloutsDetailed } from '../../src/select/measure.js';
import { InvalidInputError, RewardRouterError } from '../../src/spec/errors.js';
import type { RolloutGroup } from '../../src/spec/rollout.js';
import { temporaryFolder, writeJsonl } from '../helpers/files.js';

let folder: string;
beforeAll(async () => {
  folder = await temporaryFolder('reward-router-own-data-');
});

async function readAll(path: string, groupBy?: string): Promise<RolloutRecord[]> {
  const out: RolloutRecord[] = [];
  for await (const record of readRollouts(path, { groupBy })) out.push(record);
  return out;
}

async function failure(path: string, groupBy?: string): Promise<InvalidInputError> {
  const error = await readAll(path, groupBy).then(() => undefined, (caught: unknown) => caught);
  expect(RewardRouterError.isInstance(error)).toBe(true);
  expect((error as RewardRouterError).code).toBe('INVALID_INPUT');
  return error as InvalidInputError;
}

const groups = (records: RolloutRecord[]): RolloutGroup[] => records.flatMap((record) => (record.kind === 'group' ? [record.group] : []));

const system: ChatMessageInput = { role: 'system', content: 'Be brief.' };
const user: ChatMessageInput = { role: 'user', content: [{ type: 'text', text: 'Review the film.' }, { type: 'text', text: 'Be honest.' }] };
const reply = (text: string): ChatMessageInput[] => [{ role: 'assistant', content: text }];

describe('chat messages', () => {
  it('renders prompts and completions as documented: role lines, the answering turn opened, the reply continuing it', () => {
    // Text parts are joined with a newline, as chat servers join them.
    expect(renderPrompt([system, user])).toBe('system: Be brief.\nuser: Review the film.\nBe honest.\nassistant: ');
    expect(renderCompletion(reply('Loved it.'))).toBe('Loved it.');
    expect(renderPrompt([system], 'tool')).toBe('system: Be brief.\ntool: ');
    expect(renderCompletion([{ role: 'assistant', content: 'Call.' }, { role: 'tool', content: '42' }])).toBe('Call.\ntool: 42');
  });

  it('reads message prompts and completions as the texts an RM sees, and writes the messages back unchanged', async () => {
    const line = {
      prompt_id: 'p1',
      prompt: [system, user],
      completions: [reply('Loved it.'), ' plain string', reply('Dull.')],
      scores: { rm: [1, 0, -1] },
      preference: { chosen: reply('Moving.'), rejected: 'Bad.', scores: { rm: [1, 0] } },
      step: 3,
    };
    const preference = { prompt: [user], chosen: reply('A moving film.'), rejected: reply('Bad.') };
    const path = await writeJsonl(join(folder, 'chat.jsonl'), [line, preference]);
    const [group, pair] = await readAll(path);
    expect(group.kind === 'group' && group.group.prompt).toBe('system: Be brief.\nuser: Review the film.\nBe honest.\nassistant: ');
    expect(group.kind === 'group' && group.group.completions).toEqual(['Loved it.', ' plain string', 'Dull.']);
    expect(group.kind === 'group' && [group.group.preference?.chosen, group.group.preference?.rejected]).toEqual(['Moving.', 'Bad.']);
    expect(pair.kind === 'preference' && [pair.record.prompt, pair.record.chosen, pair.record.rejected]).toEqual(['user: Review the film.\nBe honest.\nassistant: ', 'A moving film.', 'Bad.']);
    expect(chatFormsOf(group.kind === 'group' ? group.group : {})?.completions?.[1]).toBeUndefined();
    // Scored and written back as `score` does, the file keeps its message forms; only the new scores are added.
    const model = createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' });
    const filled = await fillScores([group, pair], [model]);
    const written = filled.map((record) => JSON.parse(serializeRollout(record)));
    const afinn = async (texts: string[]) => model.score(texts.map((completion) => ({ prompt: '', completion })));
    expect(written[0]).toEqual({
      ...line,
      scores: { ...line.scores, afinn: await afinn(['Loved it.', ' plain string', 'Dull.']) },
      preference: { ...line.preference, scores: { ...line.preference.scores, afinn: await afinn(['Moving.', 'Bad.']) } },
    });
    expect(written[1]).toEqual({ ...preference, scores: { afinn: await afinn(['A moving film.', 'Bad.']) } });
  });

  it('names the message field that is wrong', async () => {
    const cases: Array<[unknown, string]> = [
      [{ prompt_id: 'a', prompt: [{ role: 'user' }], completions: ['x'] }, 'field `prompt[0].content`: expected a string or a list of {"type": "text", "text"} parts, got nothing'],
      [{ prompt_id: 'a', prompt: [{ role: 'user', content: [{ type: 'image_url', image_url: 'x' }] }], completions: ['x'] }, 'field `prompt[0].content[0].type`: expected "text" (reward models here score text), got "image_url"'],
      [{ prompt_id: 'a', prompt: 'q', completions: [[{ content: 'x' }]] }, 'field `completions[0][0].role`: expected a non-empty string such as "user" or "assistant"'],
      [{ prompt_id: 'a', prompt: [], completions: ['x'] }, 'field `prompt`: expected at least one chat message, got an empty list'],
      [{ prompt_id: 'a', prompt: 3, completions: ['x'] }, 'field `prompt`: expected a string or a list of chat messages, got number `3`'],
    ];
    for (const [index, [value, message]] of cases.entries()) {
      const path = await writeJsonl(join(folder, `bad-chat-${index}.jsonl`), [value]);
      expect((await failure(path)).message).toContain(`${path}:1: ${message}`);
    }
  });
});

describe('one row per completion, grouped', () => {
  const rows = [
    { prompt: 'Review the film.', completion: ' Loved it.', scores: { rm: 0.5, gold: [1] }, label: 'pos', seed: 1 },
    { prompt: 'Tell a story.', completion: ' Once.', scores: { rm: 0.1, gold: [0] }, label: 'story', seed: 2 },
    { prompt: 'Review the film.', completion: ' Dull.', scores: { rm: -0.5, gold: [0] }, label: 'pos', seed: 3 },
    { prompt: 'Tell a story.', completions: [' Twice.', ' Thrice.'], scores: { rm: [0.2, 0.3], gold: [1, 0] }, label: 'story', seed: 4 },
  ];

  it('groups rows by prompt, in order of first appearance; shared fields stay single, differing ones become per-completion lists', async () => {
    const path = await writeJsonl(join(folder, 'rows.jsonl'), rows);
    const [film, story] = groups(await readAll(path, 'prompt'));
    expect(film.prompt).toBe('Review the film.');
    expect(film.completions).toEqual([' Loved it.', ' Dull.']);
    expect(film.scores).toEqual({ rm: [0.5, -0.5], gold: [1, 0] });
    expect(film.label).toBe('pos');
    expect(film.seed).toEqual([1, 3]);
    expect(story.completions).toEqual([' Once.', ' Twice.', ' Thrice.']);
    expect(story.seed).toEqual([2, 4, 4]);
    // Ids are a hash of the prompt: the same prompt gets the same id in another file and another order.
    const reversed = await writeJsonl(join(folder, 'rows-reversed.jsonl'), [...rows].reverse());
    const again = groups(await readAll(reversed, 'prompt'));
    expect(new Set(again.map((group) => group.prompt_id))).toEqual(new Set([film.prompt_id, story.prompt_id]));
    expect(film.prompt_id).toMatch(/^prompt-[0-9a-f]{14}$/);
  });

  it('gives the same report as the same data written as groups', async () => {
    const path = await writeJsonl(join(folder, 'rows-report.jsonl'), rows);
    const native = await writeJsonl(join(folder, 'native-report.jsonl'), groups(await readAll(path, 'prompt')).map((group) => JSON.parse(serializeRollout(group))));
    const fromRows = await measureRolloutsDetailed(path, { groupBy: 'prompt', reference: 'gold', bootstrapResamples: 50 });
    const fromGroups = await measureRolloutsDetailed(native, { reference: 'gold', bootstrapResamples: 50 });
    expect(fromRows.report).toEqual(fromGroups.report);
    expect(fromRows.completionsPerGroup).toEqual({ groups: 2, min: 2, max: 3, mean: 2.5, counts: { 2: 1, 3: 1 } });
  });

  it('groups by a field, whose value becomes the prompt_id; chat prompts compare by value, whatever the key order', async () => {
    const byField = await writeJsonl(join(folder, 'by-uid.jsonl'), [
      { uid: 7, prompt: [{ role: 'user', content: 'Hi' }], completion: [{ role: 'assistant', content: 'Hello' }] },
      { uid: 7, prompt: [{ content: 'Hi', role: 'user' }], completion: [{ role: 'assistant', content: 'Hey' }] },
    ]);
    const [group] = groups(await readAll(byField, 'uid'));
    expect(group.prompt_id).toBe('7');
    expect(group.completions).toEqual(['Hello', 'Hey']);
    expect(canonicalJson({ b: 1, a: [2] })).toBe(canonicalJson({ a: [2], b: 1 }));
  });

  it('says what to do with a row file read without --group-by, and names the row that does not fit a group', async () => {
    const path = await writeJsonl(join(folder, 'rows-plain.jsonl'), rows);
    expect((await failure(path)).message).toBe(`${path}:1: field \`completions\`: expected a list of completions, got none; this line has one \`completion\`, the shape of one row per completion (TRL, Hugging Face datasets): group the rows with \`--group-by prompt\` (or \`--group-by FIELD\`, e.g. \`--group-by prompt_id\`)`);
    const noIds = await writeJsonl(join(folder, 'no-ids.jsonl'), [{ prompt: 'q', completions: ['a', 'b'] }]);
    expect((await failure(noIds)).message).toContain('a file without ids can be read with `--group-by prompt`');

    const uneven = await writeJsonl(join(folder, 'uneven.jsonl'), [rows[0], { prompt: 'Review the film.', completion: ' Meh.', scores: { rm: 0 } }]);
    expect((await failure(uneven, 'prompt')).message).toBe(`${uneven}:2: field \`scores\`: has no score for \`gold\`, unlike line 1 of the same group; every row of a group needs the same models scored`);
    const count = await writeJsonl(join(folder, 'count.jsonl'), [{ prompt: 'q', completions: ['a', 'b'], scores: { rm: [1] } }]);
    expect((await failure(count, 'prompt')).message).toBe(`${count}:1: field \`scores.rm\`: expected 2 scores (one per completion of the row), got 1`);
    const keyless = await writeJsonl(join(folder, 'keyless.jsonl'), [{ prompt: 'q', completion: 'a' }]);
    expect((await failure(keyless, 'uid')).message).toContain(`${keyless}:1: field \`uid\`: expected the group key (a non-empty string or a number: --group-by uid), got nothing`);
    const mixed = await writeJsonl(join(folder, 'mixed.jsonl'), [{ uid: 'a', prompt: 'q', completion: 'x' }, { uid: 'a', prompt: 'other', completion: 'y' }]);
    expect((await failure(mixed, 'uid')).message).toContain(`${mixed}:2: field \`prompt\`: expected the same prompt as line 1`);
    const nan = join(folder, 'nan-rows.jsonl');
    await writeFile(nan, '{"prompt": "q", "completion": "a", "scores": {"rm": NaN}}\n{"prompt": "q", "completion": "b", "scores": {"rm": 1}}\n');
    expect((await failure(nan, 'prompt')).message).toBe(`${nan}:1: field \`scores.rm[0]\`: expected a finite number, got NaN or Infinity`);
  });

  it('score fills scores of grouped rows, writes native groups, and resumes on the same ids', async () => {
    const path = await writeJsonl(join(folder, 'rows-score.jsonl'), rows.map(({ scores: _scores, ...row }) => row));
    const out = join(folder, 'rows-scored.jsonl');
    const model = createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' });
    const first = await scoreRollouts({ rollouts: path, groupBy: 'prompt', out, models: [model] });
    expect(first).toMatchObject({ records: 2, scored: 2, resumed: 0 });
    const again = await scoreRollouts({ rollouts: path, groupBy: 'prompt', out, models: [model] });
    expect(again).toMatchObject({ records: 2, scored: 0, resumed: 2 });
    const written = (await readFile(out, 'utf8')).trim().split('\n').map((text) => JSON.parse(text) as RolloutGroup);
    expect(written.map((group) => group.completions.length)).toEqual([2, 3]);
    expect(written[0].scores!.afinn).toEqual(await model.score(written[0].completions.map((completion) => ({ prompt: written[0].prompt, completion }))));
  });
});

describe('Parquet input', () => {
  const asked: ChatMessageInput = { role: 'user', content: 'Review the film.' };

  /** Three rows as a Parquet file with the nested columns of a Hugging Face conversational dataset. */
  async function writeRowsParquet(path: string): Promise<void> {
    await parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'prompt', data: [[asked], [system, asked], [asked]] },
        { name: 'completion', data: ['Loved it.', 'Fine.', 'Dull.'] },
        { name: 'scores', data: [{ rm: [0.5] }, { rm: [0.2] }, { rm: [-0.5] }] },
        { name: 'step', data: [1n, 1n, 2n] },
        { name: 'note', data: ['x', null, 'z'] },
      ],
      schema: [
        { name: 'root', num_children: 5 },
        { name: 'prompt', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
        { name: 'role', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: 'content', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: 'completion', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 'scores', repetition_type: 'OPTIONAL', num_children: 1 },
        { name: 'rm', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'step', type: 'INT64', repetition_type: 'REQUIRED' },
        { name: 'note', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ],
      rowGroupSize: 2,
    });
  }

  it('reads nested list/struct columns, 64-bit integers and nulls like the same rows in JSONL, across row groups', async () => {
    const parquet = join(folder, 'rows.parquet');
    await writeRowsParquet(parquet);
    // The same three rows as JSON: a null cell is an absent field, int64 a number.
    const jsonl = await writeJsonl(join(folder, 'rows-as.jsonl'), [
      { prompt: [asked], completion: 'Loved it.', scores: { rm: [0.5] }, step: 1, note: 'x' },
      { prompt: [system, asked], completion: 'Fine.', scores: { rm: [0.2] }, step: 1 },
      { prompt: [asked], completion: 'Dull.', scores: { rm: [-0.5] }, step: 2, note: 'z' },
    ]);
    expect((await parquetMetadataAsync(await asyncBufferFromFile(parquet))).row_groups.length).toBe(2);
    const fromParquet = groups(await readAll(parquet, 'prompt'));
    const fromJsonl = groups(await readAll(jsonl, 'prompt'));
    expect(fromParquet.map((group) => JSON.parse(serializeRollout(group)))).toEqual(fromJsonl.map((group) => JSON.parse(serializeRollout(group))));
    expect(fromParquet[0]).toMatchObject({ completions: ['Loved it.', 'Dull.'], scores: { rm: [0.5, -0.5] }, step: [1, 2], note: ['x', 'z'] });
  });

  it('a bad row is named by its row number, and a file that is not Parquet after all says so', async () => {
    const parquet = join(folder, 'groups.parquet');
    await parquetWriteFile({
      filename: parquet,
      columnData: [
        { name: 'prompt_id', data: ['a', 'b', 'a'], type: 'STRING' },
        { name: 'prompt', data: ['q', 'r', 's'], type: 'STRING' },
        { name: 'completions', data: [['x', 'y'], ['z', 'w'], ['v', 'u']], type: 'JSON' },
      ],
    });
    expect((await failure(parquet)).message).toBe(`${parquet}: row 3: field \`prompt_id\`: duplicate prompt_id "a" (first seen on row 1); expected each prompt_id once`);
    const broken = join(folder, 'broken.parquet');
    await writeFile(broken, 'PAR1 but nothing else');
    expect((await failure(broken)).message).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the Parquet file \\(.+\\); expected a Parquet file of rollouts$`));
  });
});
