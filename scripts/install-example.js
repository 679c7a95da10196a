#!/usr/bin/env node
'use strict';
// Does for the example mini program what the developer tools' "build npm" does for a
// package with a `miniprogram` field: copies that folder's files (pkg/dist, the
// .wasm.br included) into example-miniprogram/miniprogram_npm/weapp-login/.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'pkg/package.json'), 'utf8'));
const from = path.join(root, 'pkg', pkg.miniprogram);
const to = path.join(root, 'example-miniprogram/miniprogram_npm', pkg.name);
fs.rmSync(to, { recursive: true, force: true });
fs.mkdirSync(to, { recursive: true });
for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(to, f));
console.log('install-example: ' + path.relative(root, to) + ' <- ' + fs.readdirSync(to).join(', '));
