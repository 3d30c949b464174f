/** "Jan Kowalski" → "J** K*******": enough for the payer to recognise, not enough to learn a name. */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => {
      const chars = [...word];
      return chars.length <= 1 ? chars.join('') : `${chars[0] ?? ''}${'*'.repeat(chars.length - 1)}`;
    })
    .join(' ');
}
