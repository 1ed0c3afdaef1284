/**
 * sunlight-draw.js — an independent browser implementation of the draw
 * algorithm "sunlight-draw/1" (see DRAW_SPEC.md), and of its verification.
 *
 * Anyone holding the published files (manifest, frame, roster, exclusions,
 * the locked record and the ledger) can recompute the draw here, byte for
 * byte, with nothing but the browser: SHA-256 comes from WebCrypto, text
 * encoding from TextEncoder. No framework, no dependencies.
 *
 * Rules traced to the 实施细则: 第八条 (at most twice a year: the cap),
 * 第九条 (the frame from the confirmed directory), 第十二条 (locked list,
 * inspector matching), 第十三条 (recusal pairs), 第十四条 (team leader from
 * the lead department).
 *
 * @module sunlight-draw
 */

/** The spec identifier this module implements. */
export const SPEC = 'sunlight-draw/1';

/** `previous` of the first draw in a ledger. */
export const ZERO_HASH = '0'.repeat(64);

/** Canonical CSV headers (spec section 1). */
export const FRAME_HEADER = 'object_id,stratum';
export const ROSTER_HEADER = 'inspector_id,department';
export const EXCLUSIONS_HEADER = 'object_id,inspector_id';

/** Identifier syntax shared by objects, strata, inspectors and departments. */
const ID_RE = /^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/;

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------
// Canonical JSON (RFC 8785, JCS) for the subset used by manifests and records
// ---------------------------------------------------------------------------

/**
 * Serialize a value as RFC 8785 (JCS) canonical JSON.
 *
 * Supported: strings, integers (safe range), booleans, null, arrays and plain
 * objects. Object keys are sorted by UTF-16 code units (the default JS string
 * order, as JCS requires); string escaping is JSON.stringify's, which is the
 * JCS escaping. Floats are rejected: the spec forbids them.
 *
 * @param {unknown} value
 * @returns {string}
 * @throws {TypeError} on unsupported values
 */
export function canonicalJson(value) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new TypeError(`canonicalJson: only safe integers are allowed, got ${value}`);
      }
      // JCS serializes -0 as 0; String(-0) is already "0".
      return String(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map(canonicalJson).join(',')}]`;
      }
      const keys = Object.keys(value).sort();
      const parts = keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`);
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported type ${typeof value}`);
  }
}

// ---------------------------------------------------------------------------
// Hashing helpers
// ---------------------------------------------------------------------------

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Lowercase hex of a byte buffer.
 * @param {ArrayBuffer} buffer
 * @returns {string}
 */
function toHex(buffer) {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (let i = 0; i < bytes.length; i += 1) out += HEX[bytes[i]];
  return out;
}

/**
 * H(bytes): SHA-256 as 64 lowercase hex characters.
 * @param {Uint8Array|string} data  bytes, or a string hashed as its UTF-8 bytes
 * @returns {Promise<string>}
 */
export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

/**
 * One part of enc(): the 4-byte big-endian length of the UTF-8 bytes, then the bytes.
 * @param {string} s
 * @returns {Uint8Array}
 */
function encPart(s) {
  const bytes = encoder.encode(s);
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, false);
  out.set(bytes, 4);
  return out;
}

/**
 * Concatenate byte arrays.
 * @param {...Uint8Array} arrays
 * @returns {Uint8Array}
 */
function concatBytes(...arrays) {
  let total = 0;
  for (const a of arrays) total += a.length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const a of arrays) {
    out.set(a, pos);
    pos += a.length;
  }
  return out;
}

/**
 * enc(s1, s2, …): for each part, the 4-byte big-endian length of its UTF-8
 * bytes, then those bytes, all concatenated.
 * @param {...string} parts
 * @returns {Uint8Array}
 */
export function enc(...parts) {
  return concatBytes(...parts.map(encPart));
}

/** Two ASCII hex digits per byte value, as byte pairs, for bulk hex conversion. */
const HEX_BYTES = new Uint8Array(512);
for (let i = 0; i < 256; i += 1) {
  HEX_BYTES[2 * i] = HEX[i].charCodeAt(0);
  HEX_BYTES[2 * i + 1] = HEX[i].charCodeAt(1);
}
const asciiDecoder = new TextDecoder('ascii');

/**
 * Hash many byte strings. WebCrypto calls are issued together (Promise.all)
 * in bounded chunks; each chunk's digests are turned into hex with a single
 * decode, which is much cheaper than building 64-character strings piecewise.
 * @param {Uint8Array[]} messages
 * @returns {Promise<string[]>}
 */
async function sha256Many(messages) {
  const CHUNK = 8192;
  const out = new Array(messages.length);
  for (let start = 0; start < messages.length; start += CHUNK) {
    const slice = messages.slice(start, start + CHUNK);
    const digests = await Promise.all(slice.map((m) => crypto.subtle.digest('SHA-256', m)));
    const ascii = new Uint8Array(64 * digests.length);
    digests.forEach((digest, k) => {
      const bytes = new Uint8Array(digest);
      for (let i = 0; i < 32; i += 1) {
        ascii[64 * k + 2 * i] = HEX_BYTES[2 * bytes[i]];
        ascii[64 * k + 2 * i + 1] = HEX_BYTES[2 * bytes[i] + 1];
      }
    });
    const text = asciiDecoder.decode(ascii);
    for (let k = 0; k < digests.length; k += 1) out[start + k] = text.slice(64 * k, 64 * k + 64);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------

/**
 * Compare two strings by their UTF-8 bytes (= Unicode code point order).
 * JS `<` compares UTF-16 code units, which differs only when a surrogate
 * meets a code unit in U+E000–U+FFFF; those are remapped.
 * @param {string} a
 * @param {string} b
 * @returns {number} negative, zero or positive
 */
export function compareUtf8(a, b) {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/**
 * Order by (hex hash, id): hashes are equal-length lowercase hex, so plain
 * string comparison is byte comparison.
 * @param {{hash: string, id: string}} a
 * @param {{hash: string, id: string}} b
 * @returns {number}
 */
function byHashThenId(a, b) {
  if (a.hash < b.hash) return -1;
  if (a.hash > b.hash) return 1;
  return compareUtf8(a.id, b.id);
}

// ---------------------------------------------------------------------------
// Canonical CSV files (spec section 1)
// ---------------------------------------------------------------------------

/**
 * Normalize rows given as `[a, b]` pairs or as objects with the named keys.
 * @param {Array<[string, string]|Record<string, string>>} rows
 * @param {string} k1
 * @param {string} k2
 * @returns {Array<[string, string]>}
 */
function pairs(rows, k1, k2) {
  return rows.map((r) => (Array.isArray(r) ? [String(r[0]), String(r[1])] : [String(r[k1]), String(r[k2])]));
}

/**
 * Build a canonical file: header, then `a,b` lines sorted by (a, b) bytes, LF endings.
 * @param {string} header
 * @param {Array<[string, string]>} rows
 * @returns {string}
 */
function canonicalCsv(header, rows) {
  const sorted = rows.slice().sort((x, y) => compareUtf8(x[0], y[0]) || compareUtf8(x[1], y[1]));
  return `${header}\n${sorted.map(([a, b]) => `${a},${b}\n`).join('')}`;
}

/**
 * Canonical frame text: `object_id,stratum` lines sorted by object id.
 * @param {Array<[string, string]|{object_id: string, stratum: string}>} rows
 * @returns {string}
 */
export function frameCsv(rows) {
  return canonicalCsv(FRAME_HEADER, pairs(rows, 'object_id', 'stratum'));
}

/**
 * Canonical inspector roster text: `inspector_id,department` lines sorted by inspector id.
 * @param {Array<[string, string]|{inspector_id: string, department: string}>} rows
 * @returns {string}
 */
export function rosterCsv(rows) {
  return canonicalCsv(ROSTER_HEADER, pairs(rows, 'inspector_id', 'department'));
}

/**
 * Canonical exclusions text (第十三条 recusal pairs), sorted by object id then inspector id.
 * @param {Array<[string, string]|{object_id: string, inspector_id: string}>} rows
 * @returns {string}
 */
export function exclusionsCsv(rows) {
  return canonicalCsv(EXCLUSIONS_HEADER, pairs(rows, 'object_id', 'inspector_id'));
}

/**
 * Parse one of the simple canonical CSV files (no quoting, LF endings).
 *
 * @param {string} text  the whole file
 * @param {string} expectedHeader  e.g. `object_id,stratum`
 * @returns {Array<[string, string]>} the data rows, in file order
 * @throws {Error} on a wrong header, a CR, a missing final LF or a malformed line
 */
export function parseCsv(text, expectedHeader) {
  if (typeof text !== 'string') throw new Error('CSV: text is not a string');
  if (text.includes('\r')) throw new Error('CSV: CR characters are not allowed (LF line endings only)');
  if (!text.endsWith('\n')) throw new Error('CSV: the file must end with a line feed');
  const lines = text.slice(0, -1).split('\n');
  if (lines[0] !== expectedHeader) {
    throw new Error(`CSV: header must be "${expectedHeader}", found "${lines[0]}"`);
  }
  const rows = [];
  for (let i = 1; i < lines.length; i += 1) {
    const fields = lines[i].split(',');
    if (fields.length !== 2 || !ID_RE.test(fields[0]) || !ID_RE.test(fields[1])) {
      throw new Error(`CSV: malformed line ${i + 1}: "${lines[i]}"`);
    }
    rows.push([fields[0], fields[1]]);
  }
  return rows;
}

// ---------------------------------------------------------------------------
// The draw (spec sections 2–4)
// ---------------------------------------------------------------------------

/**
 * @typedef {{object_id: string, stratum: string, ticket: string}} Selected
 * @typedef {{department: string, inspector_id: (string|null)}} Member
 * @typedef {{object_id: string, members: Member[]}} Team
 * @typedef {{manifest_sha256: string, seed: string, excluded_by_cap: string[],
 *            selected: Selected[], teams: Team[]}} DrawResult
 */

/**
 * Compute a draw from its inputs.
 *
 * @param {object} input
 * @param {object} input.manifest  the manifest object (hashed whole, JCS)
 * @param {string} input.beaconValue  the public randomness as text
 * @param {Array<[string, string]|{object_id: string, stratum: string}>} input.frame
 * @param {Array<[string, string]|{inspector_id: string, department: string}>} [input.inspectors]
 * @param {Array<[string, string]|{object_id: string, inspector_id: string}>} [input.exclusions]
 * @param {string[]} [input.prior]  object ids selected by earlier draws of the same year,
 *   one entry per selection
 * @returns {Promise<DrawResult>}
 */
export async function computeDraw({ manifest, beaconValue, frame, inspectors = [], exclusions = [], prior = [] }) {
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new Error('manifest must be a JSON object');
  }
  if (typeof beaconValue !== 'string') throw new Error('beaconValue must be a string');
  const taskId = String(manifest.task_id);
  const strata = Array.isArray(manifest.strata) ? manifest.strata : [];
  const cap = manifest.cap_per_year;
  if (!Number.isSafeInteger(cap) || cap < 0) throw new Error('manifest.cap_per_year must be a non-negative integer');

  // Section 2: manifest hash and seed.
  const manifestSha256 = await sha256Hex(canonicalJson(manifest));
  const seed = await sha256Hex(enc('sunlight/seed/v1', manifestSha256, beaconValue));

  // Frame: each object in exactly one declared stratum.
  const frameRows = pairs(frame, 'object_id', 'stratum');
  const strataIds = new Set();
  for (const s of strata) {
    if (strataIds.has(s.id)) throw new Error(`duplicate stratum in manifest: ${s.id}`);
    strataIds.add(s.id);
  }
  const seen = new Set();
  for (const [id, stratum] of frameRows) {
    if (seen.has(id)) throw new Error(`object ${id} appears twice in the frame`);
    seen.add(id);
    if (!strataIds.has(stratum)) {
      throw new Error(`object ${id} is in stratum ${stratum}, which the manifest does not declare`);
    }
  }

  // Section 3.1, 第八条: the per-year cap. Only frame objects can be excluded.
  const priorCount = new Map();
  for (const id of prior) priorCount.set(id, (priorCount.get(id) || 0) + 1);
  const excluded = new Set();
  for (const [id] of frameRows) {
    if ((priorCount.get(id) || 0) >= cap) excluded.add(id);
  }
  const excludedByCap = [...excluded].sort(compareUtf8);

  // Section 3.2: tickets of the eligible objects, hashed in one batch.
  const eligible = frameRows.filter(([id]) => !excluded.has(id));
  // The constant leading parts are encoded once; only the object id varies.
  const ticketPrefix = enc('sunlight/object/v1', seed, taskId);
  const tickets = await sha256Many(eligible.map(([id]) => concatBytes(ticketPrefix, encPart(id))));

  // Section 3.3: per stratum, in manifest order.
  const byStratum = new Map(strata.map((s) => [s.id, []]));
  eligible.forEach(([id, stratum], i) => byStratum.get(stratum).push({ hash: tickets[i], id, stratum }));
  const chosen = [];
  for (const s of strata) {
    const pool = byStratum.get(s.id).sort(byHashThenId);
    const total = pool.length;
    let n;
    if (s.ratio_bp !== undefined) {
      if (!Number.isSafeInteger(s.ratio_bp) || s.ratio_bp < 0) {
        throw new Error(`stratum ${s.id}: ratio_bp must be a non-negative integer`);
      }
      // ceil(N × ratio_bp / 10000) in integer arithmetic (BigInt: no overflow).
      n = Number((BigInt(total) * BigInt(s.ratio_bp) + 9999n) / 10000n);
    } else if (s.count !== undefined) {
      if (!Number.isSafeInteger(s.count) || s.count < 0) {
        throw new Error(`stratum ${s.id}: count must be a non-negative integer`);
      }
      n = Math.min(s.count, total);
    } else {
      throw new Error(`stratum ${s.id} has neither ratio_bp nor count`);
    }
    // A loop, not push(...spread): a spread of a huge pool can overflow the stack.
    for (let i = 0; i < Math.min(n, total); i += 1) chosen.push(pool[i]);
  }

  // Section 3.4: the selection, sorted by (ticket, id).
  chosen.sort(byHashThenId);
  const selected = chosen.map((c) => ({ object_id: c.id, stratum: c.stratum, ticket: c.hash }));

  // Section 4: inspectors (第十二条, 第十四条), with recusals (第十三条).
  const teams = await drawTeams({ manifest, seed, taskId, selected, inspectors, exclusions });

  return { manifest_sha256: manifestSha256, seed, excluded_by_cap: excludedByCap, selected, teams };
}

/**
 * Section 4: match inspectors to each selected object, in selection order.
 * The per-(object, inspector) hash does not depend on earlier picks, so all
 * of them are computed up front in one batch; the picking itself is then a
 * cheap sequential pass.
 *
 * @param {object} args
 * @param {object} args.manifest
 * @param {string} args.seed
 * @param {string} args.taskId
 * @param {Selected[]} args.selected
 * @param {Array} args.inspectors
 * @param {Array} args.exclusions
 * @returns {Promise<Team[]>}
 */
async function drawTeams({ manifest, seed, taskId, selected, inspectors, exclusions }) {
  const departments = manifest.team && Array.isArray(manifest.team.departments) ? manifest.team.departments : [];
  if (departments.length === 0) return selected.map((s) => ({ object_id: s.object_id, members: [] }));
  const maxPer = manifest.team.max_per_inspector;
  const limited = maxPer !== undefined && maxPer !== null;

  // Roster by department.
  const roster = new Map();
  for (const [inspectorId, dept] of pairs(inspectors, 'inspector_id', 'department')) {
    if (!roster.has(dept)) roster.set(dept, []);
    roster.get(dept).push(inspectorId);
  }
  // Recusal pairs, keyed by object.
  const recused = new Map();
  for (const [objectId, inspectorId] of pairs(exclusions, 'object_id', 'inspector_id')) {
    if (!recused.has(objectId)) recused.set(objectId, new Set());
    recused.get(objectId).add(inspectorId);
  }

  // Candidate lists per (object, department): not recused, with their hashes.
  // enc() parts are encoded once each: the common prefix, each object id and
  // each inspector id; a message is then a concatenation of three byte runs.
  const deptIds = [...new Set(departments.map((d) => d.id))];
  const prefix = enc('sunlight/inspector/v1', seed, taskId);
  const inspectorPart = new Map();
  for (const dept of deptIds) {
    for (const inspectorId of roster.get(dept) || []) inspectorPart.set(inspectorId, encPart(inspectorId));
  }
  const messages = [];
  /** @type {Array<Map<string, Array<{id: string, hash: string}>>>} */
  const candidates = selected.map((s) => {
    const out = new Map();
    const skip = recused.get(s.object_id);
    const objectPart = encPart(s.object_id);
    for (const dept of deptIds) {
      const list = [];
      for (const inspectorId of roster.get(dept) || []) {
        if (skip && skip.has(inspectorId)) continue;
        list.push({ id: inspectorId, hash: '' });
        messages.push(concatBytes(prefix, objectPart, inspectorPart.get(inspectorId)));
      }
      out.set(dept, list);
    }
    return out;
  });
  const hashes = await sha256Many(messages);
  let k = 0;
  for (const perObject of candidates) {
    for (const list of perObject.values()) {
      for (const c of list) c.hash = hashes[k++];
      list.sort(byHashThenId); // lowest (hash, id) first
    }
  }

  const assignments = new Map();
  return selected.map((s, i) => {
    const onTeam = new Set();
    const members = [];
    for (const d of departments) {
      const list = candidates[i].get(d.id);
      for (let slot = 0; slot < d.size; slot += 1) {
        const pick = list.find(
          (c) => !onTeam.has(c.id) && (!limited || (assignments.get(c.id) || 0) < maxPer),
        );
        if (pick) {
          onTeam.add(pick.id);
          assignments.set(pick.id, (assignments.get(pick.id) || 0) + 1);
          members.push({ department: d.id, inspector_id: pick.id });
        } else {
          members.push({ department: d.id, inspector_id: null }); // unfilled, never re-drawn
        }
      }
    }
    return { object_id: s.object_id, members };
  });
}

// ---------------------------------------------------------------------------
// Verification (spec section 6)
// ---------------------------------------------------------------------------

/**
 * @typedef {{record: string, field: string, expected: unknown, found: unknown, message: string}} Difference
 * @typedef {{ok: boolean, differences: Difference[], result: (DrawResult|null)}} Verification
 */

/** Chinese messages, by field (the part of the path before any index). */
const MESSAGES = {
  'manifest.json': '清单文件不是有效的 JSON 对象',
  'frame.format': '抽取框架文件格式不正确',
  'frame.sha256': '抽取框架文件的 SHA-256 与清单不符',
  'frame.rows': '抽取框架文件的行数与清单不符',
  'frame.canonical': '抽取框架文件不是规范格式（应按编号排序且无重复行）',
  'inspectors.format': '执法检查人员名单文件格式不正确',
  'inspectors.sha256': '执法检查人员名单文件的 SHA-256 与清单不符',
  'inspectors.rows': '执法检查人员名单文件的行数与清单不符',
  'inspectors.canonical': '执法检查人员名单文件不是规范格式（应按编号排序且无重复行）',
  'exclusions.format': '回避名单文件格式不正确',
  'exclusions.sha256': '回避名单文件的 SHA-256 与清单不符',
  'exclusions.rows': '回避名单文件的行数与清单不符',
  'exclusions.canonical': '回避名单文件不是规范格式（应按编号排序且无重复行）',
  manifest_sha256: '清单的 SHA-256 与记录不符',
  manifest: '记录中的清单与公布的清单不一致',
  spec: '记录的算法版本不符',
  task_id: '记录的任务编号与清单不符',
  beacon_value: '记录中的公共随机数与给定的随机数不符',
  draw: '无法按清单重新计算抽取结果',
  seed: '随机种子与重新计算的结果不符',
  excluded_by_cap: '因年度抽查次数上限（第八条）排除的对象与重新计算的结果不符',
  selected: '抽中的检查对象与重新计算的结果不符',
  teams: '检查小组成员与重新计算的结果不符',
  record_sha256: '记录的 SHA-256 与重新计算的结果不符',
  'manifest.previous': '清单中的上一记录哈希（previous）与账本不符',
  record: '锁定记录中有规范未定义的项，记录只能包含抽取本身的内容',
};

/**
 * Everything a locked record holds (spec section 5, with the task id, the spec version and the
 * lock date). Anything else would ride along unchecked, only hashed: as `sunlight verify` does,
 * such a record is refused.
 */
const RECORD_KEYS = new Set(['spec', 'task_id', 'manifest', 'beacon_value', 'locked_on', 'manifest_sha256',
  'seed', 'excluded_by_cap', 'selected', 'teams', 'record_sha256']);

/**
 * The Chinese message for a field path such as `selected[3].ticket`.
 * @param {string} field
 * @returns {string}
 */
export function messageFor(field) {
  if (MESSAGES[field]) return MESSAGES[field];
  const base = field.replace(/\[.*$/, '').replace(/\..*$/, '');
  return MESSAGES[base] || `字段 ${field} 不符`;
}

/**
 * Deep equality through canonical JSON (falls back to false on unsupported values).
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean}
 */
function sameJson(a, b) {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}

/**
 * Verify a locked draw record against the published files.
 *
 * Checks, in this order, and reports the first difference found (the whole
 * list is returned; `differences[0]` is the first): the frame, roster and
 * exclusions files against the manifest's `sha256` and `rows`; the manifest
 * hash; that the record's manifest is the published one; spec and task id;
 * the beacon value; the seed; the cap exclusions (第八条); every selection
 * and ticket; every team; the record's own hash; and the `previous` link.
 *
 * @param {object} args
 * @param {string} args.manifestText  manifest.json as published
 * @param {string} [args.beaconValue]  the public value, fetched independently;
 *   defaults to the record's `beacon_value`
 * @param {string} args.frameText  frame.csv as published
 * @param {string|null} [args.rosterText]  roster.csv, or null when not published
 * @param {string|null} [args.exclusionsText]  exclusions.csv, or null when not published
 * @param {object} args.record  the locked record (record.json, parsed)
 * @param {object[]} [args.priorRecords]  the earlier locked records of the ledger, in chain order
 * @returns {Promise<Verification>}
 */
export async function verifyDraw({
  manifestText,
  beaconValue,
  frameText,
  rosterText = null,
  exclusionsText = null,
  record,
  priorRecords = [],
}) {
  const differences = [];
  const recordName = String((record && (record.task_id || (record.manifest && record.manifest.task_id))) || '');
  /**
   * Record one difference.
   * @param {string} field
   * @param {unknown} expected
   * @param {unknown} found
   * @param {string} [detail]
   */
  const diff = (field, expected, found, detail) => {
    const message = detail ? `${messageFor(field)}：${detail}` : messageFor(field);
    differences.push({ record: recordName, field, expected, found, message });
  };
  const done = (result) => ({ ok: differences.length === 0, differences, result });

  let manifest;
  try {
    manifest = JSON.parse(manifestText);
  } catch {
    manifest = undefined;
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    diff('manifest.json', 'JSON object', typeof manifestText === 'string' ? manifestText.slice(0, 80) : null);
    return done(null);
  }

  // 1. The published files against the manifest (第九条: the exact snapshot drawn from).
  const files = [
    { key: 'frame', text: frameText, header: FRAME_HEADER, canonical: frameCsv, required: true },
    { key: 'inspectors', text: rosterText, header: ROSTER_HEADER, canonical: rosterCsv },
    { key: 'exclusions', text: exclusionsText, header: EXCLUSIONS_HEADER, canonical: exclusionsCsv },
  ];
  const parsed = {};
  let filesOk = true;
  for (const f of files) {
    const declared = manifest[f.key];
    if (!declared) {
      parsed[f.key] = [];
      if (f.required) {
        diff(`${f.key}.sha256`, 'declared in manifest', null);
        filesOk = false;
      }
      continue;
    }
    if (typeof f.text !== 'string') {
      diff(`${f.key}.sha256`, declared.sha256, null, '文件缺失');
      filesOk = false;
      continue;
    }
    const actual = await sha256Hex(f.text);
    if (actual !== declared.sha256) {
      diff(`${f.key}.sha256`, declared.sha256, actual);
      filesOk = false;
    }
    try {
      parsed[f.key] = parseCsv(f.text, f.header);
    } catch (e) {
      diff(`${f.key}.format`, f.header, null, e.message);
      filesOk = false;
      continue;
    }
    if (parsed[f.key].length !== declared.rows) {
      diff(`${f.key}.rows`, declared.rows, parsed[f.key].length);
      filesOk = false;
    }
    // Canonical form: sorted by id, no duplicate line (spec section 1).
    const keys = parsed[f.key].map(([a, b]) => `${a},${b}`);
    if (f.canonical(parsed[f.key]) !== f.text || new Set(keys).size !== keys.length) {
      diff(`${f.key}.canonical`, 'sorted, without duplicates', null);
      filesOk = false;
    }
  }

  // 2. Manifest hash and identity.
  const manifestSha256 = await sha256Hex(canonicalJson(manifest));
  const rec = record && typeof record === 'object' ? record : {};
  const extra = Object.keys(rec).filter((key) => !RECORD_KEYS.has(key)).sort(compareUtf8);
  if (extra.length) {
    // Neither its value nor an odd name is shown: either may be what must not be published.
    const name = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(extra[0]) ? extra[0] : '（名称从略）';
    diff('record', '无此项', '有此项', `“${name}”`);
  }
  if (rec.manifest_sha256 !== manifestSha256) diff('manifest_sha256', manifestSha256, rec.manifest_sha256 ?? null);
  if (!sameJson(rec.manifest, manifest)) diff('manifest', manifest, rec.manifest ?? null);
  if (rec.spec !== SPEC) diff('spec', SPEC, rec.spec ?? null);
  if (rec.task_id !== manifest.task_id) diff('task_id', manifest.task_id, rec.task_id ?? null);
  const beacon = typeof beaconValue === 'string' ? beaconValue : rec.beacon_value;
  if (rec.beacon_value !== beacon) diff('beacon_value', beacon, rec.beacon_value ?? null);

  // 3. Recompute the draw. Cap input (第八条): earlier records of the same year.
  const prior = [];
  for (const p of priorRecords) {
    if (p && p.manifest && p.manifest.year === manifest.year && Array.isArray(p.selected)) {
      for (const s of p.selected) prior.push(s.object_id);
    }
  }
  let result = null;
  if (filesOk && typeof beacon === 'string') {
    try {
      result = await computeDraw({
        manifest,
        beaconValue: beacon,
        frame: parsed.frame,
        inspectors: parsed.inspectors,
        exclusions: parsed.exclusions,
        prior,
      });
    } catch (e) {
      diff('draw', null, null, e.message);
    }
  }

  if (result) {
    if (rec.seed !== result.seed) diff('seed', result.seed, rec.seed ?? null);
    compareList('excluded_by_cap', result.excluded_by_cap, rec.excluded_by_cap, diff, (path, exp, got) => {
      if (exp !== got) diff(path, exp, got);
    });
    compareList('selected', result.selected, rec.selected, diff, (path, exp, got) => {
      compareEntry(path, exp, got, ['object_id', 'stratum', 'ticket'], diff);
    });
    compareList('teams', result.teams, rec.teams, diff, (path, exp, got) => {
      if (!got || typeof got !== 'object') {
        diff(path, exp, got);
        return;
      }
      if (got.object_id !== exp.object_id) diff(`${path}.object_id`, exp.object_id, got.object_id ?? null);
      compareList(`${path}.members`, exp.members, got.members, diff, (mpath, mexp, mgot) => {
        compareEntry(mpath, mexp, mgot, ['department', 'inspector_id'], diff);
      });
      const { object_id: _o, members: _m, ...extra } = got;
      if (Object.keys(extra).length) diff(path, exp, got);
    });
  }

  // 4. The record's own hash, and its link in the ledger chain.
  const { record_sha256: claimed, ...body } = rec;
  let recordSha256 = null;
  try {
    recordSha256 = await sha256Hex(canonicalJson(body));
  } catch {
    recordSha256 = null;
  }
  if (claimed !== recordSha256) diff('record_sha256', recordSha256, claimed ?? null);
  const last = priorRecords.length ? priorRecords[priorRecords.length - 1] : null;
  const expectedPrevious = last ? last.record_sha256 ?? null : ZERO_HASH;
  if (manifest.previous !== expectedPrevious) diff('manifest.previous', expectedPrevious, manifest.previous ?? null);

  return done(result);
}

/**
 * Compare two lists element by element, in order; a missing or surplus
 * element is reported as `path[i]`, a non-list as `path`.
 * @param {string} path
 * @param {unknown[]} expected
 * @param {unknown} found
 * @param {Function} diff
 * @param {(path: string, exp: any, got: any) => void} compareItem
 */
function compareList(path, expected, found, diff, compareItem) {
  if (!Array.isArray(found)) {
    diff(path, expected, found ?? null);
    return;
  }
  const n = Math.max(expected.length, found.length);
  for (let i = 0; i < n; i += 1) {
    const itemPath = `${path}[${i}]`;
    if (i >= expected.length) diff(itemPath, null, found[i]);
    else if (i >= found.length) diff(itemPath, expected[i], null);
    else compareItem(itemPath, expected[i], found[i]);
  }
}

/**
 * Compare one object entry field by field, then check it has no extra keys.
 * @param {string} path
 * @param {Record<string, unknown>} expected
 * @param {unknown} found
 * @param {string[]} keys
 * @param {Function} diff
 */
function compareEntry(path, expected, found, keys, diff) {
  if (!found || typeof found !== 'object' || Array.isArray(found)) {
    diff(path, expected, found ?? null);
    return;
  }
  let fieldDiffers = false;
  for (const k of keys) {
    if (found[k] !== expected[k]) {
      diff(`${path}.${k}`, expected[k], found[k] === undefined ? null : found[k]);
      fieldDiffers = true;
    }
  }
  if (!fieldDiffers && Object.keys(found).length !== keys.length) diff(path, expected, found);
}
