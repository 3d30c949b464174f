/**
 * ABillS FIO_HIDDEN, the one name mask of the project (terminals, the top-up portal, the payment-link
 * page): each word keeps its first two characters and the rest become stars — "Тест User" →
 * "Те** Us**", the seed's example — so a payer recognises their own name without learning anyone
 * else's. A word of one or two characters stays as it is. Characters are code points, so Cyrillic
 * and astral letters count as one each.
 */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/u)
    .filter(Boolean)
    .map((word) => {
      const chars = [...word];
      return chars.slice(0, 2).join('') + '*'.repeat(Math.max(0, chars.length - 2));
    })
    .join(' ');
}
