import { describe, expect, it } from 'vitest';
import { ExamplesError } from './examples-error';
import { parseExamplesCsv, parseExamplesJson, type ReadExamplesOptions } from './parse-examples';

const support: ReadExamplesOptions = { targetsOptional: false };
const query: ReadExamplesOptions = { targetsOptional: true };
const image: ReadExamplesOptions = { targetsOptional: false, exampleSize: 4, inputShape: [2, 2, 1] };

/** The message of the ExamplesError `fn` throws. */
function failure(fn: () => unknown): { message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExamplesError) return { message: err.message };
    throw err;
  }
  throw new Error('expected an ExamplesError');
}

describe('JSON examples', () => {
  it('reads inputs (a number, a row, or nested per example) and targets as written', () => {
    const one = parseExamplesJson('s.json', '{"inputs": [0.5, [1.5]], "targets": [1, 2]}', support);
    expect(one).toMatchObject({ n: 2, width: 1, targets: [1, 2] });
    expect(Array.from(one.x)).toEqual([0.5, 1.5]);
    const images = parseExamplesJson('s.json', JSON.stringify({ inputs: [[[0, 1], [1, 0]], [[[1], [1]], [[0], [0]]]], targets: ['a', 'b'] }), image);
    expect(Array.from(images.x)).toEqual([0, 1, 1, 0, 1, 1, 0, 0]);
    expect(images.targets).toEqual(['a', 'b']);
    expect(images.targetAt(1)).toBe('targets[1]');
  });

  it('lets a query leave its targets out', () => {
    expect(parseExamplesJson('q.json', '{"inputs": [[1], [2]]}', query).targets).toBeUndefined();
  });

  it.each<[string, string, ReadExamplesOptions, string]>([
    ['broken JSON', '{"inputs": [1,', support, 's.json: not valid JSON ('],
    ['an array at the top', '[1, 2]', support, 's.json: must be a JSON object {"inputs": [...], "targets": [...]}'],
    ['an unknown key', '{"inputs": [1], "target": [1]}', support, 's.json: target: unknown key (expected "inputs" and "targets")'],
    ['no inputs', '{"targets": [1]}', support, 's.json: inputs: must be a non-empty array of examples'],
    ['a non-number', '{"inputs": [[1], ["x"]], "targets": [1, 2]}', support, 's.json: inputs[1][0]: "x" is not a number'],
    ['ragged examples', '{"inputs": [[1, 2], [3]], "targets": [1, 2]}', support, 's.json: inputs[1]: 1 value, but inputs[0] has 2'],
    ['the wrong example size', '{"inputs": [[1, 2, 3]], "targets": [1]}', image, 's.json: inputs[0]: 3 values, but the model takes 4 per example (input shape [2, 2, 1])'],
    ['missing support targets', '{"inputs": [1]}', support, 's.json: targets: missing: the support set needs a target for every input'],
    ['too few targets', '{"inputs": [1, 2, 3], "targets": [1, 2]}', support, 's.json: targets: 2 targets for 3 inputs'],
    ['a null target', '{"inputs": [1, 2], "targets": [1, null]}', support, 's.json: targets[1]: null is not a number, a class name or an array of numbers'],
  ])('names the file and field for %s ', (_label, text, options, message) => {
    const f = failure(() => parseExamplesJson('s.json', text, options));
    expect(f.message.startsWith(message)).toBe(true);
  });
});

describe('CSV examples', () => {
  it('takes the last column as the target and keeps class names as text', () => {
    const ex = parseExamplesCsv('s.csv', 'x1,x2,label\n1,2,cat\n3,4,dog\n', support);
    expect(ex).toMatchObject({ n: 2, width: 2, targets: ['cat', 'dog'], features: ['x1', 'x2'] });
    expect(Array.from(ex.x)).toEqual([1, 2, 3, 4]);
    expect(ex.targetAt(1)).toBe('row 2 (line 3), column label');
    expect(parseExamplesCsv('s.csv', 'x,y\n1,-2.5\n', support).targets).toEqual([-2.5]);
  });

  it('reads a query with or without the target column, against the support columns', () => {
    const options = { ...query, supportFeatures: ['x1', 'x2'] };
    expect(parseExamplesCsv('q.csv', 'x1,x2\n1,2\n', options).targets).toBeUndefined();
    expect(parseExamplesCsv('q.csv', 'x1,x2,y\n1,2,3\n', options).targets).toEqual([3]);
    expect(failure(() => parseExamplesCsv('q.csv', 'x2,x1\n1,2\n', options)).message).toBe(
      "q.csv: header: feature columns (x2, x1) differ from the support file's (x1, x2); use the same columns in the same order",
    );
    expect(failure(() => parseExamplesCsv('q.csv', 'a\n1\n', options)).message).toBe('q.csv: header: 1 columns, but the support file has 2 feature column(s) (x1, x2) and a target');
  });

  it.each<[string, string, ReadExamplesOptions, string]>([
    ['a value that is not a number', 'x,y\n1,2\nabc,3\n', support, 's.csv: row 2 (line 3), column x: "abc" is not a number'],
    ['an empty cell', 'x,y\n1,2\n,3\n', support, 's.csv: row 2 (line 3), column x: "" is not a number'],
    ['an empty target', 'x,y\n1,2\n2, \n', support, 's.csv: row 2 (line 3), column y: empty target'],
    ['a short row', 'x,y\n1,2\n3\n', support, 's.csv: line 3: '],
    ['only a header', 'x,y\n', support, 's.csv: has a header but no rows'],
    ['one column', 'x\n1\n', support, 's.csv: header: needs feature column(s) and a target column last, got "x"'],
    ['the wrong number of features', 'a,b,y\n1,2,3\n', image, 's.csv: header: 2 feature column(s), but the model takes 4 value(s) per example (input shape [2, 2, 1])'],
  ])('names the file, row and column for %s ', (_label, text, options, message) => {
    const f = failure(() => parseExamplesCsv('s.csv', text, options));
    expect(f.message.startsWith(message)).toBe(true);
  });
});
