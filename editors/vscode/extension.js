// The seg extension: the language, its grammar and configuration come from package.json;
// this file starts the seg language server (`seg lsp`, over stdio) for .seg files.
// Plain JavaScript, no build step. The binary is the setting `seg.path` (default: `seg`
// on PATH); changing the setting restarts the server.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function start(context) {
  const command = vscode.workspace.getConfiguration('seg').get('path') || 'seg';
  const serverOptions = {
    run: { command, args: ['lsp'] },
    debug: { command, args: ['lsp'] },
  };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'seg' }],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.seg'),
    },
  };
  client = new LanguageClient('seg', 'seg language server', serverOptions, clientOptions);
  return client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `Could not start \`${command} lsp\`: ${err.message || err}. ` +
        'Set `seg.path` to the seg binary.');
  });
}

async function stop() {
  if (client) {
    const old = client;
    client = undefined;
    try {
      await old.stop();
    } catch (err) {
      // The server never started (a wrong `seg.path`): nothing to stop.
    }
  }
}

function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('seg.path')) {
        await stop();
        await start(context);
      }
    }),
    { dispose: stop });
  return start(context);
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
