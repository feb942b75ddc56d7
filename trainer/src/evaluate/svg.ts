import sharp from 'sharp';

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export interface TextStyle {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
  fill?: string;
  transform?: string;
}

/** An SVG <text> element (sans-serif). */
export function svgText(x: number, y: number, s: string, style: TextStyle = {}): string {
  const { size = 12, anchor = 'start', weight = 'normal', fill = '#000000', transform } = style;
  return (
    `<text x="${x}" y="${y}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="${size}" ` +
    `font-weight="${weight}" text-anchor="${anchor}" fill="${fill}"${transform ? ` transform="${transform}"` : ''}>${escapeXml(s)}</text>`
  );
}

/** Renders an SVG document (librsvg through sharp) and writes it as PNG. */
export async function writeSvgPng(svg: string, file: string): Promise<void> {
  await sharp(Buffer.from(svg)).png().toFile(file);
}
