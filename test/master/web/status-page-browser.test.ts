/**
 * In a real browser (headless Chromium from the distribution, driven by puppeteer-core), the
 * master's status page for a running cluster shows what a person needs: both region servers, the
 * table and its regions with their locations, the chart — and after a region is moved, its new
 * server. The cluster is `basalt start` as a child process, and the page is the one its info port
 * (`info=` in the ready line) serves.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../client/api.js';
import { connect } from '../../../client/connection.js';
import { defaultCliPath, spawnUntil } from '../../../coord/server/process-ensemble.js';
import { waitFor } from '../../support/coord-ensemble.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let cluster: ChildProcess;
let dataDir: string;
let connection: Connection;
let info: { address: string };
let browser: Browser;
let servers: string[];

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium (.ci/run does)`).toBe(true);
  dataDir = mkdtempSync(join(tmpdir(), 'basalt-ui-'));
  const started = await spawnUntil([defaultCliPath(), 'start', '--data-dir', dataDir, '--port', '0', '--region-servers', '2'], ' ready ', { timeoutMs: 60_000 });
  cluster = started.child;
  const coord = /coord=(\S+)/.exec(started.line)![1]!;
  servers = /regionServers=(\S+)/.exec(started.line)![1]!.split(',');
  info = { address: /info=(\S+)/.exec(started.line)![1]! };
  connection = await connect({ coord });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await connection?.close();
  cluster?.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function pageText(): Promise<{ servers: string[]; locations: Record<string, string>; bars: number; summary: string; coordRoles: string[] }> {
  const page = await browser.newPage();
  try {
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    page.on('request', (r) => {
      if (!r.url().startsWith(`http://${info.address}`)) failed.push(`external: ${r.url()}`);
    });
    const res = await page.goto(`http://${info.address}/`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(failed).toEqual([]);
    // Runs in the page; a string, because the tests compile without the DOM library.
    return (await page.evaluate(`(() => {
      const cells = (sel, col) => [...document.querySelectorAll(sel + ' tbody tr')].map((tr) => tr.children[col].innerText.trim());
      const regionTable = document.querySelector('[id="regions-default:orders"]');
      const locations = {};
      for (const tr of regionTable ? [...regionTable.querySelectorAll('tbody tr')] : []) {
        locations[tr.children[0].innerText.trim()] = tr.children[3].innerText.trim();
      }
      return {
        servers: cells('#region-servers', 0),
        locations,
        bars: document.querySelectorAll('#load-chart rect.bar').length,
        summary: document.querySelector('#summary').innerText,
        coordRoles: cells('#coordination', 2),
      };
    })()`)) as Awaited<ReturnType<typeof pageText>>;
  } finally {
    await page.close();
  }
}

describe('master status page in a browser', () => {
  it('shows the servers, the table with its regions and their servers, and a region that moved at its new server', async () => {
    await connection.admin().createTable({ name: 'orders', families: ['d'], splits: ['m'] });
    const regions = await waitFor('both regions of orders open', async () => {
      const list = await connection.admin().listRegions('orders');
      return list.length === 2 && list.every((r) => r.state === 'OPEN' && r.serverName) ? list : undefined;
    }, 30_000);

    const before = await pageText();
    expect(before.servers.map((s) => s.split(',')[0]).sort()).toEqual([...servers].sort());
    expect(before.bars).toBe(4);
    expect(before.summary).toContain('2 live, 0 dead');
    expect(before.coordRoles).toEqual(['leader']);
    const region = regions[0]!;
    expect(before.locations[region.encodedName]).toBe(region.serverName);

    const target = servers.find((s) => s !== region.address)!;
    await connection.admin().move(region.encodedName, target);
    const moved = await waitFor('the region open on its new server', async () => {
      const r = (await connection.admin().listRegions('orders')).find((x) => x.encodedName === region.encodedName);
      return r && r.state === 'OPEN' && r.address === target ? r : undefined;
    }, 30_000);

    const after = await pageText();
    expect(after.locations[region.encodedName]).toBe(moved.serverName);
    expect(after.locations[region.encodedName]!.startsWith(target)).toBe(true);
  });
});
