/**
 * The report's colours, and every pair of text colour and background it draws text with: the CSS and
 * the SVG take their colours from here, and a test holds each pair to WCAG AA (4.5:1 for normal text).
 */
export const COLORS = {
  page: "#f6f8fa",
  card: "#ffffff",
  border: "#d0d7de",
  grid: "#e6eaef",
  text: "#1f2328",
  muted: "#59636e",
  /** Traffic on the new version (area) and its labels. */
  next: "#0969da",
  nextArea: "#4c9bf0",
  /** Traffic still on the stable version. */
  stableArea: "#e3e8ee",
  pass: "#1a7f37",
  fail: "#cf222e",
  inconclusive: "#9a6700",
  operator: "#8250df",
  white: "#ffffff",
  waveBand: "#f3f6f9",
  approval: "#fff1c2",
} as const;

export type ColorName = keyof typeof COLORS;

/** Text drawn in `fg` on `bg`, named for what it is. */
export interface TextPair {
  what: string;
  fg: ColorName;
  bg: ColorName;
}

export const TEXT_PAIRS: readonly TextPair[] = [
  { what: "body text on the page", fg: "text", bg: "page" },
  { what: "body text on a card", fg: "text", bg: "card" },
  { what: "secondary text on a card", fg: "muted", bg: "card" },
  { what: "secondary text on the page", fg: "muted", bg: "page" },
  { what: "secondary text in a wave's band", fg: "muted", bg: "waveBand" },
  { what: "body text in a wave's band", fg: "text", bg: "waveBand" },
  { what: "new version's label on a card", fg: "next", bg: "card" },
  { what: "weight label on the stable area", fg: "text", bg: "stableArea" },
  { what: "weight label on the new version's area", fg: "text", bg: "nextArea" },
  { what: "pass on a card", fg: "pass", bg: "card" },
  { what: "fail on a card", fg: "fail", bg: "card" },
  { what: "inconclusive on a card", fg: "inconclusive", bg: "card" },
  { what: "operator on a card", fg: "operator", bg: "card" },
  { what: "pass pill", fg: "white", bg: "pass" },
  { what: "fail pill", fg: "white", bg: "fail" },
  { what: "inconclusive pill", fg: "white", bg: "inconclusive" },
  { what: "operator pill", fg: "white", bg: "operator" },
  { what: "new version pill", fg: "white", bg: "next" },
  { what: "neutral pill", fg: "white", bg: "muted" },
  { what: "approval label", fg: "text", bg: "approval" },
];

/** WCAG 2.x relative luminance of `#rrggbb`. */
export function luminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG 2.x contrast ratio, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}
