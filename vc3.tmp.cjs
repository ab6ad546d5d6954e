const { chromium } = require('playwright-core');
const fs = require('fs');
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage();
  await page.setContent('<div id="c"></div>');
  await page.addScriptTag({ path: '/tmp/rc.js' });
  for (const name of process.argv.slice(2)) {
    const spec = JSON.parse(fs.readFileSync(`/tmp/spec-${name}.json`, 'utf8'));
    for (const variant of ['asis', 'noaria', 'notooltip', 'both']) {
      const times = await page.evaluate(async ({ spec, variant }) => {
        const out = [];
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          const strip = (n) => { if (Array.isArray(n)) return n.map(strip); if (n && typeof n === 'object') { const o = {}; for (const [k, v] of Object.entries(n)) if (k !== 'tooltip') o[k] = strip(v); return o; } return n; };
          let s = variant === 'notooltip' || variant === 'both' ? strip(spec) : spec;
          if (variant === 'noaria' || variant === 'both') s = { ...s, config: { ...(s.config || {}), aria: false } };
          await window.renderChart(document.getElementById('c'), s);
          const t1 = performance.now();
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
          out.push(`${(t1 - t0).toFixed(0)}+${(performance.now() - t1).toFixed(0)}`);
        }
        return out;
      }, { spec, variant });
      console.log(name, variant, times.join(' '));
    }
  }
  await browser.close();
})();
