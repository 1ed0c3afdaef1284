/**
 * sunlight-site.js — small progressive enhancements on every page of the public site.
 *
 * - 适老化: "大字" (large text) and "高对比度" (high contrast) toggles, remembered in
 *   localStorage, as real buttons with aria-pressed, placed in the page header;
 * - the "在浏览器中验证" button of a task page (loads the verifier only on those pages).
 */

const STORE = 'sunlight-a11y';
const MODES = [
  ['large', '大字', '放大页面文字'],
  ['contrast', '高对比度', '使用高对比度配色'],
];

function readModes() {
  try {
    return JSON.parse(window.localStorage.getItem(STORE) || '{}') || {};
  } catch {
    return {};
  }
}

function apply(modes) {
  for (const [key] of MODES) {
    document.documentElement.toggleAttribute(`data-sl-${key}`, Boolean(modes[key]));
  }
}

function toggles() {
  const modes = readModes();
  apply(modes);
  const group = document.createElement('div');
  group.className = 'sl-a11y';
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', '适老化与无障碍');
  for (const [key, label, title] of MODES) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sl-a11y__button';
    button.textContent = label;
    button.title = title;
    button.setAttribute('aria-pressed', String(Boolean(modes[key])));
    button.addEventListener('click', () => {
      const now = readModes();
      now[key] = !now[key];
      try {
        window.localStorage.setItem(STORE, JSON.stringify(now));
      } catch {
        /* private browsing: the choice lasts for this page only */
      }
      apply(now);
      button.setAttribute('aria-pressed', String(Boolean(now[key])));
    });
    group.append(button);
  }
  const header = document.querySelector('.md-header__inner') || document.querySelector('header');
  if (header) header.append(group);
  else document.body.prepend(group);
}

async function verifiers() {
  const blocks = document.querySelectorAll('[data-sl-verify]');
  if (!blocks.length) return;
  const { attachVerifier } = await import('./verify-ui.js');
  for (const block of blocks) {
    attachVerifier(block.querySelector('button'), block.querySelector('[role=status]'), {
      drawUrl: block.dataset.drawUrl,
      ledgerUrl: block.dataset.ledgerUrl,
    });
    block.dataset.ready = 'yes';
  }
}

toggles();
verifiers().catch((e) => {
  for (const out of document.querySelectorAll('[data-sl-verify] [role=status]')) {
    out.textContent = `验证功能无法加载：${e instanceof Error ? e.message : String(e)}`;
  }
});
