/** The character codes the camt scanners (camt-split.ts, camt-entry-tree.ts) look for, by name. */
export const LT = 0x3c;
export const GT = 0x3e;
export const SLASH = 0x2f;
export const EQUALS = 0x3d;
export const QUOTE = 0x22;
export const APOSTROPHE = 0x27;
export const AMPERSAND = 0x26;
export const QUESTION = 0x3f;
export const BANG = 0x21;
export const DASH = 0x2d;
export const UPPER_D = 0x44;
export const BRACKET = 0x5b;
