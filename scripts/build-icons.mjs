#!/usr/bin/env node
// Renders assets/icon.svg into every icon file the packagers need:
//   assets/icons/<size>x<size>.png  (Linux icon folder for electron-builder)
//   assets/icon.png                 (1024 px master PNG)
//   assets/icon.ico                 (Windows, PNG-encoded entries)
//   assets/icon.icns                (macOS, PNG chunks)
//
// Uses playwright-core's Chromium driver against the system Chromium; no network,
// no web server, no extra npm packages. Run: node scripts/build-icons.mjs
// Override the browser with CHROMIUM_PATH=/path/to/chromium if needed.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const assets = path.join(root, 'assets');
const svgPath = path.join(assets, 'icon.svg');
const iconsDir = path.join(assets, 'icons');

const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
// ICNS chunk types holding PNG data. icp4..ic10 are the classic 1x slots;
// ic11..ic14 are the @2x (Retina) slots that iconutil also writes.
const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32], // 16@2x
  ['ic12', 64], // 32@2x
  ['ic13', 256], // 128@2x
  ['ic14', 512], // 256@2x
];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(buf) {
  if (!buf.subarray(0, 8).equals(PNG_SIGNATURE) || buf.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG');
  }
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

async function renderPngs(svg) {
  // Strip any XML prolog and give the root element an explicit pixel size per render.
  const markup = svg.replace(/^\s*<\?xml[^>]*>\s*/, '');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  try {
    const context = await browser.newContext({ deviceScaleFactor: 1, offline: true });
    // Belt and braces: refuse every request; the page is fully inline.
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    const pngs = new Map();
    for (const size of SIZES) {
      await page.setViewportSize({ width: size, height: size });
      await page.setContent(
        `<!doctype html><html><head><style>
          html, body { margin: 0; padding: 0; background: transparent; overflow: hidden; }
          svg { display: block; width: ${size}px; height: ${size}px; }
        </style></head><body>${markup}</body></html>`,
        { waitUntil: 'load' },
      );
      const png = await page.screenshot({
        clip: { x: 0, y: 0, width: size, height: size },
        omitBackground: true,
        type: 'png',
      });
      const { width, height } = pngSize(png);
      if (width !== size || height !== size) {
        throw new Error(`rendered ${width}x${height}, expected ${size}x${size}`);
      }
      pngs.set(size, png);
    }
    return pngs;
  } finally {
    await browser.close();
  }
}

// ICO: ICONDIR (6 bytes) + ICONDIRENTRY (16 bytes each) + PNG payloads.
function buildIco(pngs) {
  const count = ICO_SIZES.length;
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type 1 = icon
  header.writeUInt16LE(count, 4);
  const entries = [];
  const images = [];
  let offset = 6 + 16 * count;
  for (const size of ICO_SIZES) {
    const png = pngs.get(size);
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0); // width (0 means 256)
    entry.writeUInt8(size >= 256 ? 0 : size, 1); // height
    entry.writeUInt8(0, 2); // palette colours
    entry.writeUInt8(0, 3); // reserved
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(entry);
    images.push(png);
  }
  return Buffer.concat([header, ...entries, ...images]);
}

// ICNS: 'icns' + total length (BE), then chunks of type (4) + length incl. header (BE) + data.
function buildIcns(pngs) {
  const chunks = ICNS_TYPES.map(([type, size]) => {
    const png = pngs.get(size);
    const head = Buffer.alloc(8);
    head.write(type, 0, 4, 'latin1');
    head.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 4, 'latin1');
  head.writeUInt32BE(8 + body.length, 4);
  return Buffer.concat([head, body]);
}

async function main() {
  const svg = await readFile(svgPath, 'utf8');
  const pngs = await renderPngs(svg);

  await mkdir(iconsDir, { recursive: true });
  for (const [size, png] of pngs) {
    await writeFile(path.join(iconsDir, `${size}x${size}.png`), png);
  }
  await writeFile(path.join(assets, 'icon.png'), pngs.get(1024));
  await writeFile(path.join(assets, 'icon.ico'), buildIco(pngs));
  await writeFile(path.join(assets, 'icon.icns'), buildIcns(pngs));

  const rel = (p) => path.relative(root, p);
  console.log(`wrote ${rel(iconsDir)}/{${SIZES.map((s) => `${s}x${s}`).join(',')}}.png`);
  console.log(`wrote ${rel(path.join(assets, 'icon.png'))}, icon.ico (${ICO_SIZES.join(', ')}), icon.icns (${ICNS_TYPES.map(([t]) => t).join(', ')})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
