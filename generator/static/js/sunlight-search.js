/**
 * sunlight-search.js — full-text search of the narrative and summary pages with Pagefind's
 * JavaScript API (index built at build time by Pagefind's Chinese-segmenting indexer).
 * Results are built with DOM APIs; an excerpt keeps only its text and <mark> highlights.
 */

const LIMIT = 20;

function excerptNodes(html) {
  const doc = new DOMParser().parseFromString(`<p>${html}</p>`, 'text/html');
  const out = [];
  for (const node of doc.body.firstChild ? doc.body.firstChild.childNodes : []) {
    if (node.nodeType === Node.TEXT_NODE) out.push(document.createTextNode(node.textContent));
    else if (node.nodeName === 'MARK') {
      const mark = document.createElement('mark');
      mark.textContent = node.textContent;
      out.push(mark);
    } else out.push(document.createTextNode(node.textContent || ''));
  }
  return out;
}

async function setup(root) {
  const form = root.querySelector('form');
  const input = root.querySelector('input[type=search]');
  const status = root.querySelector('[role=status]');
  const list = root.querySelector('.sl-search__results');
  const siteRoot = new URL('../', document.baseURI);
  let pagefind = null;

  async function engine() {
    if (!pagefind) {
      pagefind = await import(new URL(`${root.dataset.bundle}pagefind.js`, document.baseURI).href);
      await pagefind.options({ baseUrl: siteRoot.pathname });
    }
    return pagefind;
  }

  async function run(q) {
    list.replaceChildren();
    if (!q) {
      status.textContent = '';
      return;
    }
    status.textContent = '正在搜索…';
    const pf = await engine();
    const found = await pf.search(q);
    const data = await Promise.all(found.results.slice(0, LIMIT).map((r) => r.data()));
    for (const d of data) {
      const a = document.createElement('a');
      a.href = d.url;
      a.textContent = (d.meta && d.meta.title) || d.url;
      const p = document.createElement('p');
      p.append(...excerptNodes(d.excerpt || ''));
      const li = document.createElement('li');
      li.append(a, p);
      list.append(li);
    }
    status.textContent = found.results.length
      ? `找到 ${found.results.length} 个页面${found.results.length > LIMIT ? `，显示前 ${LIMIT} 个` : ''}。`
      : `没有找到与“${q}”相关的页面。`;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = input.value.trim();
    const url = new URL(window.location.href);
    url.search = q ? `?q=${encodeURIComponent(q)}` : '';
    window.history.replaceState(null, '', url);
    run(q).catch((e) => { status.textContent = `搜索失败：${e.message}`; });
  });
  const initial = new URLSearchParams(window.location.search).get('q');
  if (initial) {
    input.value = initial;
    await run(initial.trim());
  }
  root.dataset.ready = 'yes';
}

for (const root of document.querySelectorAll('[data-sl-search]')) {
  setup(root).catch((e) => {
    root.querySelector('[role=status]').textContent = `搜索功能无法加载：${e instanceof Error ? e.message : String(e)}`;
  });
}
