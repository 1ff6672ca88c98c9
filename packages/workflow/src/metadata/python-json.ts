/**
 * JSON as Python's `json.dumps` writes it: ComfyUI embeds the prompt and workflow that way, and Python writes a
 * float NaN or infinity as the bare tokens `NaN`, `Infinity`, `-Infinity`, which JSON.parse refuses. Those tokens
 * (outside strings) read as null, so one odd widget value does not lose a whole image's metadata.
 */

const pythonTokens = ['-Infinity', 'Infinity', 'NaN'];

function withoutPythonTokens(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      continue;
    }
    if (char !== 'N' && char !== 'I' && char !== '-') continue;
    const token = pythonTokens.find((candidate) => text.startsWith(candidate, i));
    if (!token) continue;
    out += `${text.slice(copiedUpTo, i)}null`;
    i += token.length - 1;
    copiedUpTo = i + 1;
  }
  return out + text.slice(copiedUpTo);
}

/** The parsed value, or undefined when the text is not JSON even with Python's tokens read as null. */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Only text JSON.parse refused is rescanned: the common case stays one native parse.
  }
  try {
    return JSON.parse(withoutPythonTokens(text)) as unknown;
  } catch {
    return undefined;
  }
}
