/**
 * Deeper JSON is refused (request bodies, JSON fields of multipart forms) before any DTO, converter or
 * JSON.stringify walks it recursively: JSON.parse copes with any depth, they overflow the stack.
 */
export const maxJsonDepth = 64;

/** Iterative, so a body nested 100,000 levels deep costs a loop, not the stack. */
export function isNestedDeeper(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: [object, number][] = [[value, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [current, depth] = item;
    if (depth > max) return true;
    const children: unknown[] = Array.isArray(current) ? (current as unknown[]) : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
