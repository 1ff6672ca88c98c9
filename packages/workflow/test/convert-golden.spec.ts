import { describe, expect, it } from 'vitest';

import { convertUiWorkflow } from '../src/index.js';
import { goldenPairs, pairsObjectInfo } from './golden-pairs.js';

const objectInfo = pairsObjectInfo();
const pairs = goldenPairs();

describe('convertUiWorkflow reproduces the real frontend', () => {
  it('finds the recorded pairs', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(6);
  });

  for (const pair of pairs) {
    it(`${pair.file}: workflow → the exact prompt (values and key order)`, () => {
      const { prompt } = convertUiWorkflow(pair.workflow, objectInfo);
      expect(JSON.stringify(prompt)).toBe(JSON.stringify(pair.output));
    });

    if (pair.workflow_as_loaded) {
      it(`${pair.file}: the workflow as serialized before loading converts the same`, () => {
        const { prompt } = convertUiWorkflow(pair.workflow_as_loaded, objectInfo);
        expect(JSON.stringify(prompt)).toBe(JSON.stringify(pair.output));
      });
    }
  }
});
