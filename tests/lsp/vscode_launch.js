// Loads editors/vscode/extension.js with stand-ins for `vscode` and
// `vscode-languageclient/node`, activates it, and prints as JSON how it would start the
// server (the LanguageClient's server and client options). The setting `seg.path` is
// $SEG_PATH_SETTING (unset: not configured).
'use strict';

const Module = require('module');

const captured = {};
const vscode = {
  workspace: {
    getConfiguration: (section) => ({
      get: (key) => (section === 'seg' && key === 'path' ? process.env.SEG_PATH_SETTING : undefined),
    }),
    createFileSystemWatcher: (glob) => ({ glob }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
  },
  window: {
    showErrorMessage: (message) => {
      captured.error = message;
    },
  },
};

class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(captured, { id, name, serverOptions, clientOptions });
  }
  start() {
    return Promise.resolve();
  }
  stop() {
    return Promise.resolve();
  }
}

const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'vscode') return vscode;
  if (request === 'vscode-languageclient/node') return { LanguageClient };
  return load.call(this, request, ...rest);
};

const extension = require(process.argv[2]);
Promise.resolve(extension.activate({ subscriptions: [] })).then(() => {
  console.log(JSON.stringify(captured));
});
