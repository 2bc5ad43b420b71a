/* okuyami family page (スマートフォンで見る).
 * The family's list is in the link's fragment (okuyami/family/fragment.py: the format is written there); the
 * city's public texts are in rules.json beside this page. Nothing leaves the phone: ticks are kept in its
 * localStorage, calendar files are made here, and the page asks nothing of any server but its own files. */
(function () {
  'use strict';

  var DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUV';
  var LANG_OF = { J: 'ja', E: 'en', Y: 'easy-ja' };
  var CHAR_OF = { ja: 'J', en: 'E', 'easy-ja': 'Y' };
  var PROGRESS = ['open', 'done', 'deferred', 'not_applicable'];
  var DAY = 86400000;
  var EPOCH = Date.UTC(2000, 0, 1) / DAY;  // day number of 2000-01-01
  var URGENT_DAYS = 7, SOON_DAYS = 14;    // core/urgency.py
  var CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳';
  var READING = /([\u4e00-\u9fff々〆ヶ]+)（([\u3041-\u3096ー]+)）/g;  // やさしい日本語: 窓口（まどぐち）
  var MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
    'October', 'November', 'December'];
  var WEEK_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  var WEEK_JA = '日月火水木金土';

  var page = document.getElementById('page');
  var rules = null, list = null, lang = 'ja', ticks = {}, storageKey = null, order = {};

  // -- the fragment ------------------------------------------------------------------------------------------
  function LinkError(kind) { this.kind = kind; }

  function decode(fragment) {
    var text = fragment.replace(/^#/, '').trim().toUpperCase();
    var pos = 0;
    if (!text) throw new LinkError('no_list');
    if (text.charAt(0) !== '1') throw new LinkError(/^[0-9A-Z]$/.test(text.charAt(0)) ? 'newer_link' : 'bad_link');
    pos = 1;
    function take(n) {
      if (pos + n > text.length) throw new LinkError('bad_link');
      var part = text.substr(pos, n); pos += n; return part;
    }
    function number(digits) {
      var n = 0;
      for (var i = 0; i < digits.length; i++) {
        var d = DIGITS.indexOf(digits.charAt(i));
        if (d < 0) throw new LinkError('bad_link');
        n = n * 32 + d;
      }
      return n;
    }
    function varint() {
      var z = 0;
      for (;;) {
        if (pos >= text.length) throw new LinkError('bad_link');
        var d = DIGITS.indexOf(text.charAt(pos++));
        if (d < 0) throw new LinkError('bad_link');
        z = z * 16 + (d & 15);
        if (d < 16) break;
      }
      return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    }
    var language = LANG_OF[take(1)];
    if (!language) throw new LinkError('bad_link');
    var issued = EPOCH + number(take(3));
    var key = take(4); number(key);
    var items = [];
    while (pos < text.length) {
      var item = {};
      if (text.charAt(pos) === '.') {
        var end = text.indexOf('.', pos + 1);
        if (end < 0 || !/^[A-Z0-9-]+$/.test(text.substring(pos + 1, end))) throw new LinkError('bad_link');
        item.code = text.substring(pos + 1, end).toLowerCase().replace(/-/g, '_');
        pos = end + 1;
      } else {
        item.ref = take(4); number(item.ref);
      }
      var flags = number(take(1));
      item.progress = PROGRESS[flags & 3];
      item.status = flags & 4 ? 'to_confirm' : 'required';
      item.deadline = flags & 8 ? issued + varint() : null;
      item.followUp = flags & 16 ? issued + varint() : null;
      items.push(item);
    }
    return { language: language, issued: issued, key: key, items: items };
  }

  // -- days (day numbers since 1970-01-01; Japan has no summer time) -----------------------------------------
  function todayInJapan() { return Math.floor((Date.now() + 9 * 3600000) / DAY); }
  function ymd(day) { var d = new Date(day * DAY); return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay()]; }
  function iso(day) {
    var p = ymd(day);
    return p[0] + '-' + (p[1] < 10 ? '0' : '') + p[1] + '-' + (p[2] < 10 ? '0' : '') + p[2];
  }
  function dayOf(isoText) { var p = isoText.split('-'); return Date.UTC(+p[0], +p[1] - 1, +p[2]) / DAY; }
  function formatDay(day, language) {  // documents/i18n.py format_day
    var p = ymd(day);
    if (language === 'en') return WEEK_EN[p[3]] + ' ' + p[2] + ' ' + MONTHS_EN[p[1] - 1] + ' ' + p[0];
    if (language === 'easy-ja') return p[0] + '年' + p[1] + '月' + p[2] + '日（' + WEEK_JA.charAt(p[3]) + '）';
    for (var i = 0; i < rules.eras.length; i++) {  // 和暦, newest era first
      var era = rules.eras[i], start = dayOf(era.start);
      if (day >= start) {
        var year = p[0] - ymd(start)[0] + 1;
        return era.name + (year === 1 ? '元' : year) + '年' + p[1] + '月' + p[2] + '日(' + WEEK_JA.charAt(p[3]) + ')';
      }
    }
    return iso(day);
  }

  // -- texts ---------------------------------------------------------------------------------------------------
  function T(key, values) {
    var entry = rules.texts[key] || {};
    var text = entry[lang] || entry.ja || '';
    return text.replace(/\{(\w+)\}/g, function (m, name) { return values && name in values ? values[name] : m; });
  }
  function L(map) { return map ? (map[lang] !== undefined && map[lang] !== null ? map[lang] : map.ja) : null; }
  function gap() { return lang === 'en' ? ' | ' : '\u3000'; }
  function urgency(deadline, today) {  // core/urgency.py
    if (deadline === null) return { days: null, level: 'none', urgent: false };
    var left = deadline - today;
    var level = left < 0 ? 'overdue' : left === 0 ? 'today' : left <= URGENT_DAYS ? 'urgent' : left <= SOON_DAYS ? 'soon' : 'later';
    return { days: left, level: level, urgent: left <= URGENT_DAYS };
  }
  function urgencyLabel(u) {
    if (u.days === null) return '';
    var n = Math.abs(u.days);
    if (u.days < 0) return T(n === 1 ? 'u_overdue_one' : 'u_overdue', { n: n });
    if (u.days === 0) return T('u_today');
    return T(n === 1 ? 'u_left_one' : 'u_left', { n: n });
  }

  // -- building the page (the DOM only: no HTML is made from texts) ------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'class') node.className = attrs[k];
      else if (k === 'text') addText(node, attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function addText(node, text) {  // やさしい日本語: a reading after its word becomes ruby (the brackets stay for copying)
    text = String(text);
    if (lang !== 'easy-ja') { node.appendChild(document.createTextNode(text)); return node; }
    var last = 0, m;
    READING.lastIndex = 0;
    while ((m = READING.exec(text)) !== null) {
      node.appendChild(document.createTextNode(text.substring(last, m.index)));
      node.appendChild(el('ruby', null, [m[1], el('rp', null, ['（']), el('rt', null, [m[2]]), el('rp', null, ['）'])]));
      last = m.index + m[0].length;
    }
    node.appendChild(document.createTextNode(text.substring(last)));
    return node;
  }
  function telLink(phone) {
    return el('a', { class: 'button tel', href: 'tel:' + phone.replace(/[^0-9+]/g, ''), text: T('call', { phone: phone }) });
  }

  function resolve() {
    var byCode = {}, byId = {}, counters = {}, agencies = {};
    rules.procedures.forEach(function (p, i) {
      byCode[p.code] = p; order[p.code] = i;
      if (p.id) byId[p.id] = byId[p.id] ? 'ambiguous' : p;
    });
    rules.counters.forEach(function (c, i) { counters[c.id] = c; c.index = i; });
    rules.agencies.forEach(function (a) { agencies[a.id] = a; });
    list.items.forEach(function (item, i) {
      var p = item.code ? byCode[item.code] : byId[item.ref];
      item.proc = p && p !== 'ambiguous' ? p : null;
      item.code = item.proc ? item.proc.code : (item.code || '#' + item.ref);
      item.index = i;
      item.counter = item.proc && item.proc.counter ? counters[item.proc.counter] : null;
      item.agency = item.proc && item.proc.agency ? agencies[item.proc.agency] : null;
    });
  }

  function groups(today) {
    var items = list.items;
    var open = function (i) { return i.progress !== 'done' && i.progress !== 'not_applicable'; };
    var required = items.filter(function (i) { return i.status === 'required' && open(i); });
    var deferred = required.filter(function (i) { return i.progress === 'deferred'; });
    var here = required.filter(function (i) { return i.progress !== 'deferred' && i.counter; });
    var outside = required.filter(function (i) { return i.progress !== 'deferred' && !i.counter; });
    var soon = outside.filter(function (i) { return i.deadline !== null && i.deadline - list.issued <= SOON_DAYS; });
    var later = outside.filter(function (i) { return soon.indexOf(i) < 0; });
    function ranked(xs) {  // as the sheet: urgent first (most overdue first), then in visiting order; ticked last
      return xs.slice().sort(function (a, b) {
        var ua = urgency(a.deadline, today), ub = urgency(b.deadline, today);
        var ka = [ticks[a.code] ? 1 : 0, ua.urgent ? 0 : 1, ua.urgent ? ua.days : 0, a.index];
        var kb = [ticks[b.code] ? 1 : 0, ub.urgent ? 0 : 1, ub.urgent ? ub.days : 0, b.index];
        for (var k = 0; k < 4; k++) if (ka[k] !== kb[k]) return ka[k] - kb[k];
        return 0;
      });
    }
    var out = [
      { id: 'today', title: T('bucket_today'), items: ranked(here), always: true },
      { id: 'two_weeks', title: T('bucket_two_weeks'), items: ranked(soon), always: true },
      { id: 'later', title: T('bucket_later'), items: ranked(later), always: true },
      { id: 'deferred', title: T('bucket_deferred'), items: ranked(deferred) },
      { id: 'confirm', title: T('confirm_group'), items: ranked(items.filter(function (i) { return i.status === 'to_confirm' && open(i); })) },
      { id: 'done', title: T('done_head'), items: items.filter(function (i) { return i.progress === 'done'; }) },
      { id: 'not_needed', title: T('not_needed_head'), items: items.filter(function (i) { return i.progress === 'not_applicable'; }) }
    ];
    return out.filter(function (g) { return g.always || g.items.length; });
  }

  function counterNumbers() {  // ①② in the order the sheet numbers the city's counters
    var numbers = {}, n = 0;
    list.items.forEach(function (i) {
      if (i.progress === 'not_applicable' || !i.counter || numbers[i.counter.id]) return;
      numbers[i.counter.id] = n < CIRCLED.length ? CIRCLED.charAt(n) : '(' + (n + 1) + ')';
      n++;
    });
    return numbers;
  }

  function card(item, today, numbers) {
    var p = item.proc, u = urgency(item.progress === 'open' || item.progress === 'deferred' ? item.deadline : null, today);
    var settled = item.progress === 'done' || item.progress === 'not_applicable';
    var node = el('article', { class: 'item' + (u.urgent ? ' urgent' : '') + (settled ? ' muted' : ''),
      id: 'item-' + item.index, tabindex: '-1', 'data-code': item.code, 'data-status': item.status, 'data-progress': item.progress,
      'data-deadline': item.deadline !== null ? iso(item.deadline) : '' });
    if (u.urgent) node.appendChild(el('span', { class: 'badge', text: T('urgent') }));
    var title = el('h3', { class: 'title-line' });
    if (item.status === 'to_confirm') title.appendChild(el('span', { class: 'confirm-label', text: T('to_confirm') }));
    title.appendChild(el('span', { class: 'title', text: p ? L(p.title) : T('unknown') }));
    node.appendChild(title);
    if (item.progress === 'not_applicable') return node;
    if (item.progress === 'done') {
      node.appendChild(el('p', { class: 'done-mark', text: T('counter_done') }));
      return node;
    }
    var due = el('p', { class: 'due' });
    if (item.deadline !== null) {
      due.appendChild(el('span', { class: 'due-date', text: T('deadline', { date: formatDay(item.deadline, lang) }) + (p ? L(p.due_how) : '') }));
      due.appendChild(document.createTextNode(gap()));
      due.appendChild(el('span', { class: 'left', text: (u.urgent ? T('urgent') + ' ' : '') + urgencyLabel(u) }));
    } else if (p) {
      due.appendChild(el('span', { class: 'due-date', text: L(p.due_text) }));
    }
    node.appendChild(due);
    if (item.progress === 'deferred') {
      node.appendChild(el('p', { class: 'later', text: item.followUp !== null ? T('later_on', { date: formatDay(item.followUp, lang) }) : T('later') }));
    }
    if (u.level === 'overdue' && p) node.appendChild(el('p', { class: 'late', text: T('late_label') + L(p.late) }));
    var where = el('div', { class: 'where' });
    if (item.counter) {
      var c = item.counter, office = c.office ? L(c.office) + (lang === 'en' ? ', ' : ' ') : '';
      where.appendChild(el('p', { class: 'place', text: (numbers[c.id] || '') + ' ' + office + L(c.place) + gap() + L(c.name) }));
      var sub = [L(c.hours), L(c.note)].filter(Boolean).join(gap());
      if (sub) where.appendChild(el('p', { class: 'sub', text: sub }));
      where.appendChild(telLink(c.phone));
    } else if (item.agency) {
      var a = item.agency;
      where.appendChild(el('p', { class: 'place', text: '◆ ' + L(a.name) }));
      where.appendChild(el('p', { class: 'sub', text: [a.address, L(a.hours), L(a.note)].filter(Boolean).join(gap()) }));
      where.appendChild(telLink(a.phone));
    }
    node.appendChild(where);
    if (p && L(p.bring).length) {
      node.appendChild(el('p', { class: 'label', text: T('bring') }));
      node.appendChild(el('ul', { class: 'bring' }, L(p.bring).map(function (b) { return el('li', { text: b }); })));
    }
    if (p && item.status === 'to_confirm') node.appendChild(el('p', { class: 'sub', text: T('confirm_item') }));
    if (p && p.reason && item.status === 'required') node.appendChild(el('p', { class: 'sub', text: T('reason') + L(p.reason) }));
    if (p && p.note) node.appendChild(el('p', { class: 'sub', text: T('note') + L(p.note) }));
    var actions = el('div', { class: 'actions' });
    if (item.deadline !== null || item.followUp !== null) {
      var button = el('button', { type: 'button', class: 'ics', text: T('calendar') });
      button.addEventListener('click', function () { download('okuyami-' + item.code + '.ics', calendar([item])); });
      actions.appendChild(button);
    }
    node.appendChild(actions);
    var box = el('input', { type: 'checkbox', class: 'tick-box' });
    box.checked = !!ticks[item.code];
    var tickText = el('span', { text: box.checked ? T('ticked') : T('tick') });
    var label = el('label', { class: 'tick' }, [box, tickText]);
    box.addEventListener('change', function () {
      if (box.checked) ticks[item.code] = 1; else delete ticks[item.code];
      saveTicks();
      node.classList.toggle('ticked', box.checked);  // it stays where it is: nothing jumps under the finger
      var jump = document.getElementById('jump-' + item.index);
      if (jump) jump.classList.toggle('ticked', box.checked);
      tickText.textContent = '';
      addText(tickText, box.checked ? T('ticked') : T('tick'));
      updateRemaining();
    });
    if (box.checked) node.classList.add('ticked');
    node.appendChild(label);
    return node;
  }

  function summary(gs, today, numbers) {  // まとめ, as the sheet opens: one line a procedure, a tap shows it
    var nav = el('nav', { class: 'summary', 'aria-label': T('summary') }, [el('h2', { text: T('summary') })]);
    gs.forEach(function (g) {
      if (g.id === 'not_needed') return;
      nav.appendChild(el('h3', { text: g.title }));
      if (!g.items.length) { nav.appendChild(el('p', { class: 'none', text: T('bucket_none') })); return; }
      nav.appendChild(el('ul', { class: 'jumps' }, g.items.map(function (item) {
        var open = item.progress === 'open' || item.progress === 'deferred';
        var u = urgency(open ? item.deadline : null, today), label = urgencyLabel(u);
        var where = item.counter && numbers[item.counter.id] ? numbers[item.counter.id] + ' ' : '';
        var b = el('button', { type: 'button', id: 'jump-' + item.index,
          class: 'jump' + (u.urgent ? ' urgent' : '') + (ticks[item.code] ? ' ticked' : '') }, [
          el('span', { text: (u.urgent ? T('urgent') + ' ' : '') + where + (item.proc ? L(item.proc.title) : T('unknown')) + (label ? gap() : '') }),
          label ? el('span', { class: 'nowrap', text: label }) : null,
          item.progress === 'deferred' ? el('span', { class: 'later', text: gap() + (item.followUp !== null
            ? T('later_on', { date: formatDay(item.followUp, lang) }) : T('later')) }) : null]);
        b.addEventListener('click', function () {
          var target = document.getElementById('item-' + item.index);
          target.scrollIntoView({ block: 'start' });
          target.focus({ preventScroll: true });
        });
        return el('li', null, [b]);
      })));
    });
    return nav;
  }

  function remaining() {
    return list.items.filter(function (i) {
      return (i.progress === 'open' || i.progress === 'deferred') && !ticks[i.code];
    }).length;
  }
  function updateRemaining() {
    var node = document.getElementById('remaining');
    if (node) { node.textContent = ''; addText(node, T('remaining', { n: remaining() })); }
  }

  function render() {
    var today = todayInJapan();
    document.documentElement.lang = lang === 'en' ? 'en' : 'ja';
    document.title = T('page_title');
    page.textContent = '';
    var muni = rules.municipality, corner = muni.corner;
    page.appendChild(el('p', { class: 'city', text: L(muni.name) + ' ' + L(corner.name) }));
    page.appendChild(el('h1', { text: T('page_title') }));
    page.appendChild(el('p', { class: 'dates' }, [el('span', { class: 'nowrap', text: T('issued') + ' ' + formatDay(list.issued, lang) }),
      el('br'), el('span', { class: 'nowrap', text: T('today', { date: formatDay(today, lang) }) })]));
    page.appendChild(el('p', { class: 'remaining', id: 'remaining', text: T('remaining', { n: remaining() }) }));
    var urgentOpen = list.items.filter(function (i) {
      return i.status === 'required' && (i.progress === 'open' || i.progress === 'deferred') && urgency(i.deadline, today).urgent;
    });
    if (urgentOpen.length) page.appendChild(el('p', { class: 'alert', role: 'note', text: T('urgent_count', { n: urgentOpen.length }) }));
    var toolbar = el('div', { class: 'toolbar' });
    var share = el('button', { type: 'button', id: 'share', text: T('share') });
    share.addEventListener('click', shareLink);
    toolbar.appendChild(share);
    var dated = list.items.filter(function (i) { return (i.progress === 'open' || i.progress === 'deferred') && (i.deadline !== null || i.followUp !== null); });
    if (dated.length) {
      var all = el('button', { type: 'button', id: 'calendar-all', class: 'ics', text: T('calendar_all') });
      all.addEventListener('click', function () { download('okuyami-kigen.ics', calendar(dated)); });
      toolbar.appendChild(all);
    }
    page.appendChild(toolbar);
    page.appendChild(el('div', { id: 'share-box', class: 'share-box', hidden: 'hidden' }));
    if (lang !== 'ja' && JSON.stringify(rules.procedures).indexOf(T('untranslated').trim()) >= 0) {
      page.appendChild(el('p', { class: 'sub', text: T('legend_untranslated') }));
    }
    var numbers = counterNumbers(), gs = groups(today);
    page.appendChild(summary(gs, today, numbers));
    gs.forEach(function (g) {
      var section = el('section', { class: 'group', 'data-group': g.id }, [el('h2', { text: g.title })]);
      if (!g.items.length) section.appendChild(el('p', { class: 'none', text: T('bucket_none') }));
      g.items.forEach(function (item) { section.appendChild(card(item, today, numbers)); });
      page.appendChild(section);
    });
    page.appendChild(footer());
  }

  function footer() {
    var corner = rules.municipality.corner;
    var node = el('footer', null, [
      el('h2', { text: T('contact_head') }),
      el('p', { text: L(rules.municipality.name) + ' ' + L(corner.name) }),
      el('p', { class: 'sub', text: [L(corner.office), L(corner.place), L(corner.hours)].filter(Boolean).join(gap()) }),
      telLink(corner.phone),
      el('p', { class: 'sub', text: T('privacy') }),
      el('p', { class: 'sub', text: T('offline') })]);
    var langs = el('div', { class: 'langs', role: 'group', 'aria-label': T('language') });
    [['ja', '日本語'], ['en', 'English'], ['easy-ja', 'やさしい日本語']].forEach(function (pair) {
      var b = el('button', { type: 'button', 'data-lang': pair[0], 'aria-pressed': String(lang === pair[0]) }, [pair[1]]);
      b.addEventListener('click', function () { switchLanguage(pair[0]); });
      langs.appendChild(b);
    });
    node.appendChild(el('p', { class: 'label', text: T('language') }));
    node.appendChild(langs);
    return node;
  }

  function switchLanguage(to) {
    lang = to;
    var hash = location.hash.replace(/^#/, '');  // the language is the link's 2nd character: reload keeps it
    if (hash.length > 1 && CHAR_OF[to]) history.replaceState(null, '', '#' + hash.charAt(0) + CHAR_OF[to] + hash.substring(2));
    render();
  }

  // -- ticks, kept on this phone only -------------------------------------------------------------------------
  function loadTicks() {
    try { ticks = JSON.parse(localStorage.getItem(storageKey) || '{}') || {}; } catch (e) { ticks = {}; }
  }
  function saveTicks() {
    try { localStorage.setItem(storageKey, JSON.stringify(ticks)); } catch (e) { /* private mode: ticks last this visit */ }
  }

  // -- calendar files (.ics), made on the phone ----------------------------------------------------------------
  function icsText(s) { return String(s).replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n'); }
  function fold(line) {  // RFC 5545: lines of at most 75 octets, continued with a space
    var out = '', bytes = 0;
    for (var i = 0; i < line.length; i++) {
      var ch = line.charAt(i), code = line.charCodeAt(i);
      if (code >= 0xd800 && code < 0xdc00) { ch = line.substr(i, 2); i++; }
      var n = unescape(encodeURIComponent(ch)).length;
      if (bytes + n > 75) { out += '\r\n '; bytes = 1; }
      out += ch; bytes += n;
    }
    return out;
  }
  function compact(day) { return iso(day).replace(/-/g, ''); }
  function calendar(items) {
    var stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    var lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//okuyami//family page//JA', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH'];
    items.forEach(function (item) {
      var p = item.proc, title = p ? L(p.title) : T('unknown');
      var where = item.counter ? [item.counter.office ? L(item.counter.office) : L(rules.municipality.corner.office), L(item.counter.place), L(item.counter.name)].join(' ')
        : item.agency ? L(item.agency.name) + ' ' + item.agency.address : '';
      var phone = item.counter ? item.counter.phone : item.agency ? item.agency.phone : '';
      var details = [where, phone ? T('phone', { phone: phone }) : ''];
      if (p && L(p.bring).length) details.push(T('bring') + ' ' + L(p.bring).join(lang === 'en' ? '; ' : '、'));
      [[item.deadline, 'ics_deadline', 'deadline'], [item.followUp, 'ics_follow_up', 'follow-up']].forEach(function (e) {
        if (e[0] === null) return;
        lines.push('BEGIN:VEVENT', 'UID:' + list.key + '-' + item.code + '-' + e[2] + '-' + compact(e[0]) + '@okuyami',
          'DTSTAMP:' + stamp, 'DTSTART;VALUE=DATE:' + compact(e[0]), 'DTEND;VALUE=DATE:' + compact(e[0] + 1),
          'SUMMARY:' + icsText(T(e[1], { title: title })), 'LOCATION:' + icsText(where),
          'DESCRIPTION:' + icsText(details.filter(Boolean).join('\n')), 'TRANSP:TRANSPARENT',
          'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:' + icsText(T(e[1], { title: title })),
          'TRIGGER:-P3DT15H', 'END:VALARM', 'END:VEVENT');  // a reminder 3 days before, at 9:00
      });
    });
    lines.push('END:VCALENDAR');
    return lines.map(fold).join('\r\n') + '\r\n';
  }
  function download(name, text) {
    var url = URL.createObjectURL(new Blob([text], { type: 'text/calendar;charset=utf-8' }));
    var a = el('a', { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 60000);
  }

  // -- sharing the same link ------------------------------------------------------------------------------------
  function shareLink() {
    var url = location.href, box = document.getElementById('share-box');
    function manual(copied) {  // the link in a box, selected; the words above it say whether it is copied
      var label = document.getElementById('share-label'), input = document.getElementById('share-link');
      if (!input) {
        label = el('p', { class: 'label', id: 'share-label' });
        input = el('input', { type: 'text', readonly: 'readonly', id: 'share-link', 'aria-label': T('share') });
        box.appendChild(label);
        box.appendChild(input);
      }
      label.textContent = '';
      addText(label, copied ? T('share_copied') : T('share_manual'));
      input.value = url;
      box.hidden = false;
      input.focus(); input.select();
    }
    if (navigator.share) {
      navigator.share({ title: T('page_title'), url: url }).catch(function (e) { if (!e || e.name !== 'AbortError') manual(false); });
    } else {  // the link to copy at once; and copied for them where the phone allows it
      manual(false);
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(function () { manual(true); }, function () {});
      }
    }
  }

  // -- start ------------------------------------------------------------------------------------------------------
  function message(key, fallback) {
    page.textContent = '';
    page.appendChild(el('h1', { text: rules ? T('page_title') : 'おくやみ手続きの一覧' }));
    page.appendChild(el('p', { class: 'message', id: 'message', 'data-kind': key, text: rules ? T(key) : fallback }));
    if (rules) page.appendChild(footer());
  }

  function start() {
    try {
      list = decode(location.hash);
    } catch (e) {
      if (!(e instanceof LinkError)) throw e;
      list = null;
      lang = 'ja';
      return message(e.kind);
    }
    lang = list.language;
    if (rules.link_versions.indexOf('1') < 0) return message('newer_link');
    resolve();
    storageKey = 'okuyami-family-page:' + (rules.municipality.code || '') + ':' + list.key;
    loadTicks();
    render();
  }

  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('sw.js').catch(function () { /* the page works without; only offline is lost */ });
  }
  fetch('rules.json', { credentials: 'omit' }).then(function (r) {
    if (!r.ok) throw new Error(r.status);
    return r.json();
  }).then(function (data) {
    rules = data;
    start();
    window.addEventListener('hashchange', start);
  }).catch(function () {
    message('load_failed', 'ページのデータを読み込めませんでした。電波のよいところで、もう一度開いてください。');
  });
}());
