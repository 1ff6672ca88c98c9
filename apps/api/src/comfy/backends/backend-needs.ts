import { checkPromptAgainstObjectInfo, type ApiPrompt, type ObjectInfo } from '@atelier/workflow';

/**
 * What a graph needs that a server's object_info lacks: node classes it does not have
 * (`class KSamplerAdvanced`) and combo values it does not offer, models included
 * (`CheckpointLoaderSimple.ckpt_name = sd_xl.safetensors`). [] = the server can run it. Other
 * problems (a bad number, a wrong link) are the graph's, the same on every server: not listed here.
 */
export function missingOn(info: ObjectInfo, prompt: ApiPrompt): string[] {
  const missing = new Set<string>();
  for (const problem of checkPromptAgainstObjectInfo(prompt, info)) {
    if (problem.kind === 'missing_class' && problem.classType) missing.add(`class ${problem.classType}`);
    if (problem.kind === 'value_not_in_list' && problem.classType && problem.input) {
      missing.add(`${problem.classType}.${problem.input} = ${String(problem.value)}`);
    }
  }
  return [...missing];
}
