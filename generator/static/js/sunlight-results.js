/**
 * sunlight-results.js — filter a year's published results by department, district,
 * industry and result category. Loads results/<year>/<department>.json, whose rows
 * refer to its objects, tasks and items tables by position; builds rows with textContent only.
 * Row: [task, object, item, district, industry (2 digits), code, follow-up, published, late, corrected].
 */

const PAGE = 100;
const FACETS = [['district', 3], ['industry', 4], ['code', 5]]; // form field, row column

function cell(...children) {
  const td = document.createElement('td');
  for (const c of children) td.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return td;
}

function link(href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

class Results {
  constructor(root) {
    this.root = root;
    this.form = root.querySelector('form');
    this.status = root.querySelector('[role=status]');
    this.body = root.querySelector('tbody');
    this.more = root.querySelector('.sl-filter__more');
    this.codes = Object.fromEntries(
      Array.from(root.querySelectorAll('#sl-f-code option')).filter((o) => o.value).map((o) => [o.value, o.dataset.name]));
    this.cache = new Map();
    this.shown = PAGE;
  }

  async load(department) {
    if (!this.cache.has(department)) {
      const url = new URL(`${department}.json`, document.baseURI);
      this.cache.set(department, fetch(url).then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.json();
      }));
    }
    return this.cache.get(department);
  }

  /**
   * Each district and industry option with how many rows it would show: within the chosen
   * department and the other filters (the page's own counts are the whole year's, all departments).
   */
  recount(all, f) {
    for (const [name, column] of FACETS) {
      const others = FACETS.filter(([n]) => n !== name);
      const counts = new Map();
      for (const r of all) {
        if (others.every(([n, c]) => !f.get(n) || r[c] === f.get(n))) counts.set(r[column], (counts.get(r[column]) || 0) + 1);
      }
      for (const o of this.form.elements[name].options) {
        if (o.value) o.textContent = `${o.dataset.name}（${counts.get(o.value) || 0}）`;
      }
    }
  }

  async render() {
    const f = new FormData(this.form);
    const data = await this.load(f.get('department'));
    const rows = data.rows.filter((r) => FACETS.every(([n, c]) => !f.get(n) || r[c] === f.get(n)));
    this.recount(data.rows, f);
    this.body.replaceChildren();
    const lookup = new URL('../../lookup/', document.baseURI);
    for (const r of rows.slice(0, this.shown)) {
      const tr = document.createElement('tr');
      const [taskId, , taskHref] = data.tasks[r[0]];
      const [objectId, objectName] = data.objects[r[1]];
      const [itemId, itemTitle] = data.items[r[2]];
      tr.append(
        cell(link(new URL(`#${objectId}`, lookup).href, objectName)),
        cell(taskHref ? link(taskHref, taskId) : taskId),
        cell(`${itemId} ${itemTitle}`),
        cell(`${this.codes[r[5]] || r[5]}${r[9] ? '（已更正）' : ''}`),
        cell(r[6] || '—'),
        cell(`${r[7]}${r[8] ? '（逾期）' : ''}`),
      );
      this.body.append(tr);
    }
    this.more.hidden = rows.length <= this.shown;
    this.status.textContent = `${data.department}：符合条件的结果 ${rows.length} 条${rows.length > this.shown ? `，显示前 ${this.shown} 条` : ''}。`;
  }

  start() {
    this.form.addEventListener('change', () => {
      this.shown = PAGE;
      this.render().catch((e) => { this.status.textContent = `加载失败：${e.message}`; });
    });
    this.form.addEventListener('submit', (e) => e.preventDefault());
    this.more.addEventListener('click', () => {
      this.shown += PAGE;
      this.render().catch((e) => { this.status.textContent = `加载失败：${e.message}`; });
    });
    return this.render().then(() => { this.root.dataset.ready = 'yes'; });
  }
}

for (const root of document.querySelectorAll('[data-sl-results]')) {
  new Results(root).start().catch((e) => {
    root.querySelector('[role=status]').textContent = `结果列表无法加载：${e instanceof Error ? e.message : String(e)}`;
  });
}
