/**
 * sunlight-lookup.js — the business lookup (第二十条) over static JSON shards.
 *
 * lookup/meta.json says how many buckets there are; an object's history lives in
 * h/<bucket>.json (bucket = FNV-1a of the object id), the name index in n/<bucket>.json
 * (bucket = FNV-1a of a two-character sequence). Every value is written with textContent
 * or as an attribute value: data never becomes HTML.
 *
 * Deep links: lookup/#<object_id> or lookup/?id=<object_id>; searches: lookup/?q=<text>.
 */

const encoder = new TextEncoder();
const ID_RE = /^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/;
const CODE_RE = /^[0-9A-Z]{18}$/; // the shape of a unified social credit code (统一社会信用代码)
const MAX_HITS = 50;

/** 32-bit FNV-1a over UTF-8 bytes (same as generator/site/lookup.py). */
export function fnv1a(text) {
  let h = 0x811c9dc5;
  for (const b of encoder.encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function bucketName(value, count) {
  const bits = Math.round(Math.log2(count));
  const width = Math.max(1, Math.ceil(bits / 4));
  return (value & (count - 1)).toString(16).padStart(width, '0');
}

export function bigrams(text) {
  const lower = text.toLowerCase();
  const chars = Array.from(lower);
  const out = [];
  for (let i = 0; i + 1 < chars.length; i += 1) {
    const g = chars[i] + chars[i + 1];
    if (!out.includes(g)) out.push(g);
  }
  return out;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

class Lookup {
  constructor(root) {
    this.root = root;
    this.base = new URL(root.dataset.meta, document.baseURI);
    this.site = new URL(root.dataset.root, document.baseURI);
    this.form = root.querySelector('form');
    this.input = root.querySelector('input[type=search]');
    this.status = root.querySelector('[role=status]');
    this.hits = root.querySelector('.sl-lookup__hits');
    this.detail = root.querySelector('.sl-lookup__detail');
    this.cache = new Map();
    this.meta = null;
    this.generation = 0; // hashchange and popstate may both fire: only the latest route renders
  }

  async json(path) {
    const url = new URL(path, this.base).href;
    if (!this.cache.has(url)) {
      this.cache.set(url, fetch(url).then((r) => {
        if (r.status === 404) return null;
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.json();
      }));
    }
    return this.cache.get(url);
  }

  async start() {
    this.meta = await this.json('meta.json');
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const q = this.input.value.trim();
      const url = new URL(window.location.href);
      url.hash = '';
      url.search = `?q=${encodeURIComponent(q)}`;
      window.history.pushState(null, '', url);
      this.route();
    });
    window.addEventListener('hashchange', () => this.route());
    window.addEventListener('popstate', () => this.route());
    this.root.dataset.ready = 'yes';
    await this.route();
  }

  async route() {
    this.generation += 1;
    const current = this.generation;
    const stale = () => current !== this.generation;
    const params = new URLSearchParams(window.location.search);
    const hash = decodeURIComponent(window.location.hash.slice(1));
    try {
      if (hash && ID_RE.test(hash)) {
        await this.showObject(hash, true, stale);
      } else if (params.get('id') && ID_RE.test(params.get('id'))) {
        await this.showObject(params.get('id'), true, stale);
      } else if (params.get('q')) {
        this.input.value = params.get('q');
        await this.search(params.get('q').trim(), stale);
      }
    } catch (e) {
      this.say(`查询失败：${e instanceof Error ? e.message : String(e)}`);
    }
    this.root.dataset.state = 'done';
  }

  say(text) {
    this.status.textContent = text;
  }

  async search(q, stale = () => false) {
    this.detail.replaceChildren();
    this.hits.replaceChildren();
    if (Array.from(q).length < this.meta.min_query) {
      this.say(`请至少输入 ${this.meta.min_query} 个字。`);
      return;
    }
    const asId = q.toUpperCase();
    if (ID_RE.test(asId) && (await this.record(asId))) {
      await this.showObject(asId, false, stale);
      return;
    }
    const needle = q.toLowerCase();
    let found = null;
    for (const gram of bigrams(q)) {
      let shard = await this.json(`n/${bucketName(fnv1a(gram), this.meta.name_buckets)}.json`);
      let refs = shard ? shard.b[gram] : undefined;
      if (refs === 0) continue; // too common to list: try the next pair of characters
      if (typeof refs === 'string') { // a long list lives in a file of its own
        shard = await this.json(`n/${refs}.json`);
        refs = shard ? shard.b[gram] : undefined;
      }
      found = (refs || []).map((i) => shard.o[i]).filter((o) => o[1].toLowerCase().includes(needle));
      break;
    }
    if (stale()) return;
    if (found === null) {
      this.say('输入的文字太常见（如“有限公司”），请再输入名称中更有区别的几个字。');
      return;
    }
    if (!found.length) {
      // Letters and digits alone read as a code: say so, rather than "no name contains it".
      if (CODE_RE.test(asId)) {
        this.say(`没有找到统一社会信用代码为 ${asId} 的被抽查对象：请核对代码；从未被抽中的对象没有抽查记录。`);
      } else if (ID_RE.test(asId) && /\d/.test(asId)) {
        this.say(`没有找到名称包含“${q}”的被抽查对象。按代码查询请输入完整的 18 位统一社会信用代码。`);
      } else {
        this.say(`没有找到名称包含“${q}”的被抽查对象。`);
      }
      return;
    }
    found.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const shown = found.slice(0, MAX_HITS);
    this.say(`找到 ${found.length} 个名称包含“${q}”的对象${found.length > MAX_HITS ? `，显示前 ${MAX_HITS} 个，请输入更多文字缩小范围` : ''}。`);
    const list = el('ul', { class: 'sl-lookup__list' });
    for (const [id, name, status, tasks] of shown) {
      const link = el('a', { href: `#${id}` }, name);
      list.append(el('li', {}, link, ' ', el('code', {}, id), ` · ${status} · 被抽查 ${tasks} 次`));
    }
    this.hits.append(list);
  }

  async record(id) {
    const shard = await this.json(`h/${bucketName(fnv1a(id), this.meta.history_buckets)}.json`);
    return shard && Object.prototype.hasOwnProperty.call(shard, id) ? this.expand(shard[id]) : null;
  }

  /** Results are stored as lists in the order of meta.result_fields (smaller shards): make them objects. */
  expand(raw) {
    const { result_fields: fields, items } = this.meta;
    return {
      ...raw,
      tasks: raw.tasks.map((t) => ({
        ...t,
        results: t.results.map((row) => {
          const r = Object.fromEntries(fields.map((f, i) => [f, row[i]]));
          return { ...r, item: items[r.item_id] ?? r.item_id, credit: Boolean(r.credit) };
        }),
      })),
    };
  }

  async showObject(id, fromLink, stale = () => false) {
    const rec = await this.record(id);
    if (stale()) return;
    this.detail.replaceChildren();
    if (fromLink) this.hits.replaceChildren();
    if (!rec) {
      this.say(`没有找到代码为 ${id} 的被抽查对象。`);
      return;
    }
    this.say(`${rec.name}：被抽查 ${rec.tasks.length} 次。`);
    const site = (path) => new URL(path, this.site).href;
    const src = (path, line) => `${this.meta.source_base}${path}${line ? `#L${line}` : ''}`;
    const hist = (path) => `${this.meta.history_base}${path}`;
    const permalink = new URL(`#${id}`, window.location.href.split('#')[0].split('?')[0]).href;
    const head = el('section', { class: 'sl-object', 'aria-labelledby': 'sl-object-title' },
      el('h2', { id: 'sl-object-title' }, rec.name),
      el('dl', { class: 'sl-facts' },
        el('dt', {}, '代码'), el('dd', {}, el('code', {}, rec.id)),
        el('dt', {}, '类型'), el('dd', {}, rec.type),
        el('dt', {}, '登记状态'), el('dd', {}, rec.status),
        el('dt', {}, '所在区县'), el('dd', {}, rec.district),
        el('dt', {}, '行业'), el('dd', {}, rec.industry || '—'),
        el('dt', {}, '固定链接'), el('dd', {}, el('a', { href: permalink }, permalink))));
    for (const t of rec.tasks) {
      const part = el('section', { class: 'sl-object__task' },
        el('h3', {}, `${t.year} 年 · `, el('a', { href: site(t.href) }, t.name), ' ', el('code', {}, t.task_id)),
        el('p', {}, `发起部门：${t.lead} · 风险层级：${t.stratum} · 抽取锁定：${t.locked_on || '—'}`));
      if (t.results.length) {
        const rows = t.results.map((r) => el('tr', {},
          el('td', {}, el('code', {}, r.item_id), ' ', r.item),
          el('td', {}, r.department),
          el('td', {}, r.inspected_to, ' ', r.method),
          el('td', {}, el('strong', {}, r.result), r.credit ? el('span', { class: 'sl-badge sl-badge--credit' }, '失信记录') : null,
            r.original ? el('span', { class: 'sl-muted' }, `（原公示：${r.original}，已更正）`) : null),
          el('td', {}, r.follow_up || '—'),
          el('td', {}, r.published_on, ' ', el('span', { class: 'sl-muted' }, r.timeliness)),
          el('td', {}, el('a', { href: src(t.source, r.line) }, '来源'), ' · ', el('a', { href: hist(t.source) }, '历史'))));
        part.append(el('div', { class: 'sl-scroll' }, el('table', {},
          el('caption', {}, `${t.task_id} 的检查结果`),
          el('thead', {}, el('tr', {}, ...['抽查事项', '负责部门', '检查', '检查结果', '后续处理', '公示', '数据'].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, ...rows))));
      } else {
        part.append(el('p', { class: 'sl-muted' }, '尚无已公示的检查结果。'));
      }
      for (const c of t.corrections) {
        part.append(el('p', { class: 'sl-correction' },
          `更正 ${c.id}（${c.item_id} ${c.field}）：原值 `, el('del', {}, c.old), ' → 更正为 ', el('ins', {}, c.new),
          `；原因：${c.reason}；批准人：${c.approver}，${c.approved_on} 批准，${c.published_on} 公示 · `,
          el('a', { href: src(c.source, c.line) }, '来源')));
      }
      head.append(part);
    }
    this.detail.append(head);
    if (fromLink) this.detail.focus();
  }
}

for (const root of document.querySelectorAll('[data-sl-lookup]')) {
  new Lookup(root).start().catch((e) => {
    const status = root.querySelector('[role=status]');
    if (status) status.textContent = `查询功能无法加载：${e instanceof Error ? e.message : String(e)}`;
  });
}
