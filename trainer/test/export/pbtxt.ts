/**
 * A small reader of the protobuf text format (what Triton's config.pbtxt is written in), for the
 * tests: written from the format's grammar, not from our writer, so it checks what the writer
 * produced. Every field becomes a list of its values (repeated fields, and `name: [a, b]` lists,
 * append); messages are objects of the same kind; enums stay as their identifier strings.
 */
export type PbValue = string | number | boolean | PbMessage;
export interface PbMessage {
  [field: string]: PbValue[];
}

const TOKEN = /\s*(?:#[^\n]*\n?\s*)*(?:("(?:[^"\\]|\\.)*")|([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)[fF]?)|([A-Za-z_][\w.]*)|([{}[\]:,;<>]))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*(#[^\n]*\s*)*$/.test(text.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`pbtxt: unexpected text at ${start}: ${JSON.stringify(text.slice(start, start + 20))}`);
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  return tokens;
}

export function parsePbtxt(text: string): PbMessage {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    if (i >= tokens.length) throw new Error('pbtxt: unexpected end');
    return tokens[i++];
  };
  const expect = (t: string) => {
    const got = next();
    if (got !== t) throw new Error(`pbtxt: expected '${t}', got '${got}'`);
  };
  const scalar = (t: string): PbValue => {
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (/^[-+]?[\d.]/.test(t)) return Number(t.replace(/[fF]$/, ''));
    if (t === 'true' || t === 'false') return t === 'true';
    if (/^[A-Za-z_]/.test(t)) return t;
    throw new Error(`pbtxt: unexpected '${t}'`);
  };
  const message = (close: string | undefined): PbMessage => {
    const msg: PbMessage = {};
    while (close ? peek() !== close : i < tokens.length) {
      const name = next();
      if (!/^[A-Za-z_]/.test(name)) throw new Error(`pbtxt: expected a field name, got '${name}'`);
      const values = (msg[name] ??= []);
      const colon = peek() === ':';
      if (colon) next();
      const value = (): PbValue => {
        const t = next();
        if (t === '{' || t === '<') {
          const m = message(t === '{' ? '}' : '>');
          next();
          return m;
        }
        if (!colon) throw new Error(`pbtxt: field '${name}' needs ':' before a scalar`);
        return scalar(t);
      };
      if (peek() === '[') {
        next();
        while (peek() !== ']') {
          values.push(value());
          if (peek() === ',') next();
        }
        expect(']');
      } else {
        values.push(value());
      }
      if (peek() === ',' || peek() === ';') next();
    }
    return msg;
  };
  return message(undefined);
}
