/**
 * The frontend (v1.4.x) rewrites text widgets marked `dynamicPrompts` when it queues: C-style comments are removed
 * and each `{a|b|c}` group is replaced by one option picked at random (inner-most-first nesting is not supported).
 */

export class DynamicPromptError extends Error {}

const maxRounds = 10_000;

export function resolveDynamicPrompt(text: string, random: () => number): string {
  let prompt = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*/g, '');
  let rounds = 0;
  // Only the first escaped brace is skipped, exactly like the frontend's `replace('\\{', …)`.
  while (prompt.replace('\\{', '').includes('{') && prompt.replace('\\}', '').includes('}')) {
    const start = prompt.replace('\\{', '00').indexOf('{');
    const end = prompt.replace('\\}', '00').indexOf('}');
    // The frontend loops forever on a "}" before the "{"; refuse instead of hanging.
    if (end < start || ++rounds > maxRounds) {
      throw new DynamicPromptError(`cannot resolve the dynamic prompt ${JSON.stringify(text.slice(0, 60))}`);
    }
    const options = prompt.substring(start + 1, end).split('|');
    const choice = options[Math.floor(random() * options.length)] ?? '';
    prompt = prompt.substring(0, start) + choice + prompt.substring(end + 1);
  }
  return prompt;
}
