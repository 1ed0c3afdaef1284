/**
 * verify-ui.js — a "verify this draw in your browser" button.
 *
 * On click it fetches the published files of one draw and the ledger,
 * recomputes the draw with sunlight-draw.js and writes a Chinese verdict
 * into a live region. All data is written with textContent, never as HTML.
 *
 * @module verify-ui
 */

import { verifyDraw } from './sunlight-draw.js';

/**
 * @typedef {{task_id: string, year: number, record_sha256: string, path: string}} LedgerEntry
 */

/**
 * Fetch a URL as text; a 404 gives null when `optional`, any other failure throws.
 * @param {string|URL} url
 * @param {boolean} [optional]
 * @returns {Promise<string|null>}
 */
async function fetchText(url, optional = false) {
  const response = await fetch(url, { cache: 'no-store' });
  if (optional && response.status === 404) return null;
  if (!response.ok) throw new Error(`无法获取 ${url}（HTTP ${response.status}）`);
  return response.text();
}

/**
 * Fetch and parse a JSON document.
 * @param {string|URL} url
 * @returns {Promise<any>}
 */
async function fetchJson(url) {
  const text = await fetchText(url);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${url} 不是有效的 JSON`);
  }
}

/**
 * Show a value briefly and safely (it is later assigned through textContent).
 * @param {unknown} value
 * @returns {string}
 */
function show(value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return 'null';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Which optional files a manifest declares (both assumed when it does not parse:
 * verification then reports the manifest itself).
 * @param {string} manifestText
 * @returns {{inspectors: boolean, exclusions: boolean}}
 */
function declaredFiles(manifestText) {
  try {
    const manifest = JSON.parse(manifestText);
    return {
      inspectors: Boolean(manifest && manifest.inspectors),
      exclusions: Boolean(manifest && manifest.exclusions),
    };
  } catch {
    return { inspectors: true, exclusions: true };
  }
}

/**
 * Load the earlier records of the ledger that verification needs: those of
 * the same year (the 第八条 cap input) and the one just before this draw (the
 * `previous` link), in chain order.
 *
 * @param {URL} ledgerUrl
 * @param {object} record  the record under verification
 * @returns {Promise<object[]>}
 */
async function loadPriorRecords(ledgerUrl, record) {
  /** @type {LedgerEntry[]} */
  const ledger = await fetchJson(ledgerUrl);
  if (!Array.isArray(ledger)) throw new Error('账本文件格式不正确（应为数组）');
  let index = ledger.findIndex((e) => e && e.record_sha256 === record.record_sha256);
  if (index < 0) index = ledger.findIndex((e) => e && e.task_id === record.task_id);
  const earlier = index < 0 ? ledger : ledger.slice(0, index);
  const year = record.manifest && record.manifest.year;
  const wanted = earlier.filter((e, i) => e.year === year || i === earlier.length - 1);
  const records = await Promise.all(wanted.map((e) => fetchJson(new URL(e.path, ledgerUrl))));
  records.forEach((r, i) => {
    if (!r || r.record_sha256 !== wanted[i].record_sha256) {
      throw new Error(`账本中 ${wanted[i].task_id} 的记录哈希与其记录文件不符`);
    }
  });
  return records;
}

/**
 * Wire a verify button to an output live region.
 *
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} output  an element with role="status" / aria-live
 * @param {{drawUrl: string, ledgerUrl: string}} options  the draw directory
 *   (holding manifest.json, record.json, frame.csv, roster.csv, exclusions.csv)
 *   and the ledger file
 * @returns {() => Promise<boolean>} the click handler (resolves to the verdict), for tests
 */
export function attachVerifier(button, output, { drawUrl, ledgerUrl }) {
  if (!output.hasAttribute('role')) output.setAttribute('role', 'status');
  if (!output.hasAttribute('aria-live')) output.setAttribute('aria-live', 'polite');
  const base = new URL(drawUrl.endsWith('/') ? drawUrl : `${drawUrl}/`, document.baseURI);
  const ledger = new URL(ledgerUrl, document.baseURI);

  const run = async () => {
    button.disabled = true;
    output.setAttribute('aria-busy', 'true');
    output.textContent = '正在验证…';
    try {
      const [manifestText, recordText, frameText] = await Promise.all([
        fetchText(new URL('manifest.json', base)),
        fetchText(new URL('record.json', base)),
        fetchText(new URL('frame.csv', base)),
      ]);
      // The roster and exclusions exist only when inspectors are drawn: fetch
      // them only when the manifest declares them (a 404 still means "none").
      const declared = declaredFiles(manifestText);
      const [rosterText, exclusionsText] = await Promise.all([
        declared.inspectors ? fetchText(new URL('roster.csv', base), true) : null,
        declared.exclusions ? fetchText(new URL('exclusions.csv', base), true) : null,
      ]);
      let record;
      try {
        record = JSON.parse(recordText);
      } catch {
        throw new Error('record.json 不是有效的 JSON');
      }
      const priorRecords = await loadPriorRecords(ledger, record);
      const verdict = await verifyDraw({
        manifestText,
        beaconValue: record.beacon_value,
        frameText,
        rosterText,
        exclusionsText,
        record,
        priorRecords,
      });
      if (verdict.ok) {
        const n = verdict.result.selected.length;
        output.textContent =
          `验证通过：任务 ${record.task_id} 的 ${n} 个抽中对象、检查小组和记录哈希均可由公开文件` +
          `重新计算得出（记录 SHA-256 ${record.record_sha256}）。`;
      } else {
        const d = verdict.differences[0];
        output.textContent =
          `验证失败：第一个不同之处 ${d.field}（${d.message}）` +
          `期望 ${show(d.expected)} 实际 ${show(d.found)}`;
      }
      return verdict.ok;
    } catch (e) {
      output.textContent = `验证失败：${e instanceof Error ? e.message : String(e)}`;
      return false;
    } finally {
      button.disabled = false;
      output.removeAttribute('aria-busy');
    }
  };
  button.addEventListener('click', run);
  return run;
}
