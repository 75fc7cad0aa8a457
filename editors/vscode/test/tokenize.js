#!/usr/bin/env node
// Tokenizes a .seg file with the TextMate grammar in ../syntaxes, using the same engine as
// VS Code (vscode-textmate with the Oniguruma WebAssembly build), and prints one line per
// token: `LINE:COL TEXT SCOPES` (1-based line and column in UTF-16 code units, as VS Code
// counts them; TEXT is JSON-quoted; SCOPES are the token's scopes without `source.seg`).
// Whitespace-only tokens are left out.
//
// Usage: node editors/vscode/test/tokenize.js FILE
// Needs `npm ci --prefix editors/vscode` first.
'use strict';

const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
let vsctm, oniguruma;
try {
  vsctm = require('vscode-textmate');
  oniguruma = require('vscode-oniguruma');
} catch (e) {
  process.stderr.write(
    'vscode-textmate / vscode-oniguruma are not installed: run `npm ci --prefix editors/vscode`\n');
  process.exit(2);
}

async function main() {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node tokenize.js FILE\n');
    process.exit(2);
  }
  const wasm = fs.readFileSync(
    path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const grammarPath = path.join(root, 'syntaxes', 'seg.tmLanguage.json');
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.seg') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath);
    },
  });
  const grammar = await registry.loadGrammar('source.seg');
  if (!grammar) throw new Error('the grammar source.seg did not load');

  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let state = vsctm.INITIAL;
  const out = [];
  lines.forEach((line, i) => {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) {
      const tokenText = line.substring(token.startIndex, Math.min(token.endIndex, line.length));
      const scopes = token.scopes.filter((s) => s !== 'source.seg');
      if (tokenText.trim() === '') continue;
      out.push(`${i + 1}:${token.startIndex + 1} ${JSON.stringify(tokenText)} ${scopes.join(' ')}`);
    }
    state = result.ruleStack;
  });
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
