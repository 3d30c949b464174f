/**
 * A text[] as Postgres reads it from text ('{"a","b \"c\""}'), so an INSERT can cast one string
 * (`::text[]`) instead of taking a JSON array apart element by element for every row. Every
 * element is double-quoted, with `"` and `\` backslash-escaped: quoted, no element is read as
 * NULL, and braces, commas and spaces stay text (PostgreSQL manual, 8.15.6 "Array Input and Output
 * Syntax").
 */
export function textArrayLiteral(values: readonly string[]): string {
  if (values.length === 0) return '{}';
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
