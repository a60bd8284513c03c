#!/usr/bin/env node
// Lists native sources by build group, so binding.gyp and CMakeLists.txt never need editing when a file is added.
// Usage: node scripts/list-sources.js <group>   groups: portable addon test avx2 avxvnni avx512 avx512vnni avx512vbmi neon neondot neoni8mm
// A kernel file's ISA is the suffix of its name: qs8-gemm-4x16c4-avx512vnni.cc -> avx512vnni.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const ISA_GROUPS = ['avx512vbmi', 'avx512vnni', 'avx512', 'avxvnni', 'avx2', 'neoni8mm', 'neondot', 'neon'];

function walk(dir) {
  const out = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(rel));
    else if (entry.name.endsWith('.cc')) out.push(rel);
  }
  return out.sort();
}

function isaOf(file) {
  const base = path.basename(file, '.cc');
  for (const isa of ISA_GROUPS) if (base.endsWith('-' + isa)) return isa;
  return null;
}

function list(group) {
  if (group === 'addon') return walk('native/addon');
  if (group === 'test') return walk('native/test');
  const lib = ['native/runtime', 'native/ops', 'native/kernels', 'native/reference']
    .filter((d) => fs.existsSync(path.join(root, d)))
    .flatMap(walk);
  if (group === 'portable') return lib.filter((f) => isaOf(f) === null);
  if (ISA_GROUPS.includes(group)) return lib.filter((f) => isaOf(f) === group);
  throw new Error(`Expected a source group (portable, addon, test, ${ISA_GROUPS.join(', ')}) but received ${group}`);
}

if (require.main === module) {
  const files = list(process.argv[2]);
  // gyp wants at least one file per target; an empty ISA group gets a placeholder.
  process.stdout.write((files.length ? files : ['native/runtime/empty-isa-group.cc']).join(' ') + '\n');
}
module.exports = { list, isaOf };
