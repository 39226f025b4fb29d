#!/usr/bin/env node
// Captures frames of Chromium's built-in fake camera (--use-fake-device-for-media-stream without a video file: the
// animated test pattern the live view sees in the e2e tests and in a Chromium started with that flag) as PNGs, for
// scripts/face-false-positives.ts. Also renders ffmpeg's testsrc/testsrc2/smptebars patterns at 640x480.
//
//   node scripts/capture-fake-camera.mjs [out dir, default tests/fixtures/face-free]
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const out = path.resolve(process.argv[2] ?? 'tests/fixtures/face-free');
fs.mkdirSync(out, { recursive: true });

// localhost is a secure context, so getUserMedia works there.
const server = http.createServer((_, res) => res.end('<!doctype html><title>fake camera</title>'));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://localhost:${server.address().port}/`;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-fakecam-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
  headless: false,
  args: ['--headless=new', '--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url);
  // Frames 0.7 s apart: the pattern's pac-man and frame counter move, the background does not.
  const frames = await page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    const video = Object.assign(document.createElement('video'), { muted: true, playsInline: true, srcObject: stream });
    await video.play();
    const canvas = document.createElement('canvas');
    const shots = [];
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 700));
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext('2d').drawImage(video, 0, 0);
      shots.push(canvas.toDataURL('image/png'));
    }
    stream.getTracks().forEach((t) => t.stop());
    return shots;
  });
  frames.forEach((d, i) => fs.writeFileSync(path.join(out, `chromium-fake-camera-${i}.png`), Buffer.from(d.split(',')[1], 'base64')));
  console.log(`wrote ${frames.length} Chromium fake-camera frames to ${out}`);
} finally {
  await context.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

for (const [name, src] of [['ffmpeg-testsrc', 'testsrc=size=640x480:rate=1'], ['ffmpeg-testsrc2', 'testsrc2=size=640x480:rate=1'], ['ffmpeg-smptebars', 'smptebars=size=640x480:rate=1']]) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', src, '-frames:v', '1', path.join(out, `${name}.png`)]);
  if (r.status !== 0) throw new Error(`ffmpeg ${name}: ${r.stderr}`);
}
console.log('wrote ffmpeg testsrc, testsrc2, smptebars frames');
