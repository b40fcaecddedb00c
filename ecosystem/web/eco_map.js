/*
 * Baltic Social Ecosystem Map: the map's point layer, its region outlines and their coverage colours.
 *
 * Loaded after Leaflet, supercluster and kdbush. The heavy data comes by address (this server's versioned
 * files, or data: URIs in a standalone page), is fetched once per address and shared by every layer of the
 * page; a filter change only brings a new selection of rows. No Leaflet object is made per point: one canvas
 * draws the visible points (or, below the clustering zoom, supercluster's groups), and a k-d index of what was
 * drawn answers hover and click. The region outlines are one more canvas beneath the points. Text from the
 * registry only ever reaches the page through textContent.
 *
 * window.__ecoMap = {drawn, visible, map, outlines, edged}: `drawn` grows two animation frames after every layer on
 * the map has drawn its current rows for the current view (benchmarks and picture shots wait for it), `visible` is
 * the number of rows those layers show, `outlines` the number of region outlines drawn (once they are), `edged`
 * how many of those in view carry their own edge (the gaps).
 */
(function () {
  "use strict";
  var L = window.L;
  var state = window.__ecoMap = window.__ecoMap || {drawn: 0, visible: 0, map: null, errors: []};
  var layers = [];
  var tables = {};
  var PANE = "ecoPoints";

  function fetchBytes(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.arrayBuffer();
    });
  }

  // The point table: "ECO1", uint32 n, int32 latitudes[n], int32 longitudes[n] (1e-5 degree, little-endian).
  function parseTable(buffer) {
    var head = new DataView(buffer, 0, 8);
    if (head.getUint32(0, true) !== 0x314f4345) { throw new Error("not a point table"); }
    var n = head.getUint32(4, true);
    return {n: n, lat: new Int32Array(buffer, 8, n), lon: new Int32Array(buffer, 8 + 4 * n, n)};
  }

  // web-mercator position in [0, 1] of a latitude and longitude in degrees
  function mercatorX(lon) { return lon / 360 + 0.5; }
  function mercatorY(lat) {
    var s = Math.sin(lat * Math.PI / 180), y = 0.5 - 0.25 * Math.log((1 + s) / (1 - s)) / Math.PI;
    return y < 0 ? 0 : y > 1 ? 1 : y;
  }

  function loadTable(url) {
    if (!tables[url]) {
      Object.keys(tables).forEach(function (key) { delete tables[key]; });  // one registry version at a time
      tables[url] = fetchBytes(url).then(parseTable);
    }
    return tables[url];
  }

  function decodeBytes(b64) {
    var text = atob(b64), out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { out[i] = text.charCodeAt(i); }
    return out;
  }

  // Which table rows a layer shows: a bitmask over the table or a list of row numbers (whichever was smaller).
  function decodeSelection(selection) {
    if (selection.rows !== undefined) { return new Uint32Array(decodeBytes(selection.rows).buffer); }
    var mask = decodeBytes(selection.mask), count = 0, i, bit;
    for (i = 0; i < mask.length; i++) { for (bit = mask[i]; bit; bit &= bit - 1) { count++; } }
    var rows = new Uint32Array(count), next = 0;
    for (i = 0; i < mask.length; i++) {
      if (!mask[i]) { continue; }
      for (bit = 0; bit < 8; bit++) { if (mask[i] & (1 << bit)) { rows[next++] = i * 8 + bit; } }
    }
    return rows;
  }

  // a layer's canvas over the map's visible area (at the screen's pixel ratio), emptied; its 2D context, in CSS px
  function clearedCanvas(canvas, size, topLeft) {
    var ratio = window.devicePixelRatio || 1;
    L.DomUtil.setPosition(canvas, topLeft);
    canvas.width = Math.round(size.x * ratio);
    canvas.height = Math.round(size.y * ratio);
    canvas.style.width = size.x + "px";
    canvas.style.height = size.y + "px";
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
    return ctx;
  }

  function notifyDrawn() {
    var shown = layers.filter(function (layer) { return layer._map; });
    if (shown.some(function (layer) { return !layer._drawn; })) { return; }
    var visible = shown.reduce(function (sum, layer) { return sum + layer._rows.length; }, 0);
    requestAnimationFrame(function () {
      requestAnimationFrame(function () { state.visible = visible; state.drawn += 1; });
    });
  }

  function fail(map, message) {
    state.errors.push(message);
    var box = L.DomUtil.create("div", "eco-map-error", map.getContainer());
    box.textContent = message;
  }

  // the topmost point layer with something drawn under the pointer, and what
  function hitAt(event) {
    for (var i = layers.length - 1; i >= 0; i--) {
      var layer = layers[i];
      if (!layer._map) { continue; }
      var item = layer._hit(event);
      if (item >= 0) { return {layer: layer, item: item}; }
    }
    return null;
  }

  var hovered = null;

  function hover(event) {
    var found = hitAt(event), map = event.target;
    if (found && hovered && found.layer === hovered.layer && found.item === hovered.item) { return; }
    hovered = found;
    map.getContainer().style.cursor = found ? "pointer" : "";
    if (!found) { leave(map); hoverRegion(event); return; }
    closeRegionTip(map);
    state.tip = state.tip || L.tooltip({direction: "top", offset: [0, -6], className: "eco-tip"});
    state.tip.setLatLng(found.layer._latLngOf(found.item)).setContent(found.layer._label(found.item));
    map.openTooltip(state.tip);
  }

  // away from the points, the label of the region under the pointer follows it
  function hoverRegion(event) {
    var map = event.target, regions = state.regionLayer;
    var label = regions && regions._map === map ? regions.labelAt(event.latlng) : null;
    if (label === null) { closeRegionTip(map); return; }
    state.regionTip = state.regionTip || L.tooltip({direction: "auto", offset: [12, 0], className: "eco-tip"});
    if (state.regionText !== label) {
      var text = document.createElement("span");
      text.textContent = label;
      state.regionTip.setContent(text);
      state.regionText = label;
    }
    state.regionTip.setLatLng(event.latlng);
    if (!map.hasLayer(state.regionTip)) { map.openTooltip(state.regionTip); }
  }

  function closeRegionTip(map) {
    if (state.regionTip) { map.closeTooltip(state.regionTip); }
  }

  function leave(map) {
    hovered = null;
    if (state.tip) { map.closeTooltip(state.tip); }
  }

  // one hover label and one click for all point layers (the topmost hit wins) and the regions beneath them
  function listen(map) {
    if (map._ecoPointer) { return; }
    map._ecoPointer = true;
    map.on("mousemove", hover);
    map.on("click", click);
    map.on("mouseout", function () { leave(map); closeRegionTip(map); });
  }

  function click(event) {
    var found = hitAt(event);
    if (found) { found.layer._open(found.item, event); }
  }

  L.EcoPoints = L.Layer.extend({
    initialize: function (spec) {
      this._spec = spec;
      this._rows = new Uint32Array(0);
      this._drawn = false;
    },

    onAdd: function (map) {
      var spec = this._spec, self = this;
      state.map = map;
      layers = layers.filter(function (layer) { return layer._map; });
      layers.push(this);
      if (!map.getPane(PANE)) { map.createPane(PANE).style.zIndex = 450; }
      this._canvas = L.DomUtil.create("canvas", "eco-points", map.getPane(PANE));
      this._canvas.style.pointerEvents = "none";
      this._rows = decodeSelection(spec.selection);
      this._kind = decodeBytes(spec.kind);
      this._drawn = false;
      map.on("moveend resize", this._redraw, this);
      listen(map);
      loadTable(spec.table).then(function (table) {
        if (!self._map) { return; }
        self._table = table;
        if (spec.cluster && window.Supercluster) { self._cluster(); }
        self._redraw();
      }).catch(function (error) { fail(map, spec.text.failed.replace("{reason}", String(error.message || error))); });
    },

    onRemove: function (map) {
      map.off("moveend resize", this._redraw, this);
      leave(map);
      L.DomUtil.remove(this._canvas);
      // let the next filter's layer be the only holder of this page's data
      this._canvas = this._table = this._index = this._hits = this._items = null;
      this._rows = new Uint32Array(0);
      this._kind = null;
    },

    // supercluster over this layer's rows; `generateId` numbers them in order, so an id is a position in _rows
    _cluster: function () {
      var table = this._table, rows = this._rows, n = rows.length;
      var feature = {type: "Feature", properties: null, geometry: {type: "Point", coordinates: [0, 0]}};
      var points = {length: n};
      points[Symbol.iterator] = function () {
        var j = 0;
        return {next: function () {
          if (j >= n) { return {done: true, value: undefined}; }
          var row = rows[j++];
          feature.geometry.coordinates = [table.lon[row] * 1e-5, table.lat[row] * 1e-5];
          return {done: false, value: feature};
        }};
      };
      // Grouping stops at the zoom from which most points stand apart anyway (beyond it they are drawn from the
      // table): 12 up to 50,000 rows, 10 up to 250,000, 9 above. Each level costs time and typed arrays: 100,000
      // rows around 400 towns keep 82 % of their points apart at zoom 12 and 54 % at 11, and the index takes
      // ~4x the time and 13.6 instead of 8.8 MB with zoom 12 as with 10; 1,000,000 rows hold ~86 MB with zoom 9
      // and ~190 MB with 11.
      this._clusterMax = n > 250000 ? 9 : n > 50000 ? 10 : 12;
      this._index = new window.Supercluster({radius: 90, maxZoom: this._clusterMax, generateId: true}).load(points);
    },

    _redraw: function () {
      var map = this._map, table = this._table;
      if (!map || !table) { return; }
      var spec = this._spec, style = spec.style, palette = spec.palette;
      var size = map.getSize(), topLeft = map.containerPointToLayerPoint([0, 0]);
      var ctx = clearedCanvas(this._canvas, size, topLeft);

      var zoom = map.getZoom(), scale = 256 * Math.pow(2, zoom), origin = map.getPixelOrigin();
      var ox = origin.x + topLeft.x, oy = origin.y + topLeft.y;
      var xs = [], ys = [], refs = [], counts = [];
      var rows = this._rows, kind = this._kind, j, row, x, y;
      if (this._index && zoom <= this._clusterMax) {
        var bounds = map.getBounds().pad(0.1);
        var found = this._index.getClusters([bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()],
                                            Math.floor(zoom));
        for (var f = 0; f < found.length; f++) {
          var item = found[f], lonlat = item.geometry.coordinates;
          x = mercatorX(lonlat[0]) * scale - ox;
          y = mercatorY(lonlat[1]) * scale - oy;
          xs.push(x); ys.push(y);
          if (item.properties && item.properties.cluster) {
            refs.push(-1 - item.properties.cluster_id); counts.push(item.properties.point_count);
          } else {
            refs.push(item.id); counts.push(1);
          }
        }
      } else {
        // rows outside the view (with a margin) are skipped on their integer coordinates before any projection
        var view = map.getBounds().pad(0.05), lat = table.lat, lon = table.lon;
        var south = Math.floor(view.getSouth() * 1e5), north = Math.ceil(view.getNorth() * 1e5);
        var west = Math.floor(view.getWest() * 1e5), east = Math.ceil(view.getEast() * 1e5);
        for (j = 0; j < rows.length; j++) {
          row = rows[j];
          if (lat[row] < south || lat[row] > north || lon[row] < west || lon[row] > east) { continue; }
          x = mercatorX(lon[row] * 1e-5) * scale - ox;
          y = mercatorY(lat[row] * 1e-5) * scale - oy;
          xs.push(x); ys.push(y); refs.push(j); counts.push(1);
        }
      }

      // points, one path per colour, then clusters on top
      var byColour = {};
      for (j = 0; j < refs.length; j++) {
        if (refs[j] < 0) { continue; }
        var colour = palette[kind[refs[j]]];
        (byColour[colour] = byColour[colour] || []).push(j);
      }
      ctx.lineWidth = style.weight;
      ctx.strokeStyle = style.stroke;
      Object.keys(byColour).forEach(function (colour) {
        ctx.beginPath();
        byColour[colour].forEach(function (i) {
          ctx.moveTo(xs[i] + style.radius, ys[i]);
          ctx.arc(xs[i], ys[i], style.radius, 0, 2 * Math.PI);
        });
        ctx.globalAlpha = style.opacity;
        ctx.fillStyle = colour;
        ctx.fill();
        ctx.globalAlpha = 1;
        ctx.stroke();
      });
      var format = new Intl.NumberFormat(spec.lang, {notation: "compact", maximumFractionDigits: 1});
      var radii = new Float32Array(refs.length);
      for (j = 0; j < refs.length; j++) {
        radii[j] = style.radius;
        if (refs[j] >= 0) { continue; }
        var radius = radii[j] = Math.min(21, 10 + 1.3 * Math.log2(counts[j]));
        ctx.beginPath();
        ctx.arc(xs[j], ys[j], radius, 0, 2 * Math.PI);
        ctx.globalAlpha = spec.clusterStyle.opacity;
        ctx.fillStyle = spec.clusterStyle.fill;
        ctx.fill();
        ctx.globalAlpha = 1;
        ctx.lineWidth = spec.clusterStyle.weight;
        ctx.strokeStyle = spec.clusterStyle.stroke;
        ctx.stroke();
        ctx.fillStyle = spec.clusterStyle.text;
        ctx.font = "bold 11px Arial, Helvetica, sans-serif";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(format.format(counts[j]), xs[j], ys[j]);
      }

      // what was drawn, for hover and click
      var index = null;
      if (window.KDBush) {  // without it (assets from Debian, which lacks kdbush) every drawn item is looked at
        index = new window.KDBush(Math.max(refs.length, 1), 64, Float32Array);
        for (j = 0; j < refs.length; j++) { index.add(xs[j], ys[j]); }
        if (!refs.length) { index.add(-1e6, -1e6); }
        index.finish();
      }
      this._hits = index;
      this._items = {x: xs, y: ys, ref: refs, count: counts, radius: radii, topLeft: topLeft};
      if (hovered && hovered.layer === this) { hovered = null; }
      this._drawn = true;
      notifyDrawn();
    },

    _hit: function (event) {
      if (!this._items) { return -1; }
      var items = this._items, point = event.containerPoint, best = -1, bestDistance = Infinity;
      var near = this._hits ? this._hits.within(point.x, point.y, 36) : null;
      for (var k = 0, count = near ? near.length : items.ref.length; k < count; k++) {
        var i = near ? near[k] : k;
        if (i >= items.ref.length) { continue; }
        var dx = items.x[i] - point.x, dy = items.y[i] - point.y, distance = Math.sqrt(dx * dx + dy * dy);
        if (distance <= items.radius[i] + 2 && distance < bestDistance) { best = i; bestDistance = distance; }
      }
      return best;
    },

    _latLngOf: function (item) {
      var ref = this._items.ref[item];
      if (ref >= 0) {
        var row = this._rows[ref];
        return L.latLng(this._table.lat[row] * 1e-5, this._table.lon[row] * 1e-5);
      }
      return this._map.containerPointToLatLng([this._items.x[item], this._items.y[item]]);
    },

    _label: function (item) {
      var ref = this._items.ref[item], label = document.createElement("span"), spec = this._spec;
      if (ref < 0) {
        var count = new Intl.NumberFormat(spec.lang).format(this._items.count[item]);
        label.textContent = spec.text.cluster.replace("{number}", count);
      } else {
        this._name(this._rows[ref], label);
      }
      return label;
    },

    // a row's name: from the page's own columns (standalone page) or asked of the server once per row
    _name: function (row, label) {
      var spec = this._spec;
      if (spec.columns) { label.textContent = column(spec.columns, "name", row); return; }
      var cache = this._names = this._names || {};
      if (cache[row] !== undefined) { label.textContent = cache[row]; return; }
      label.textContent = "…";
      fetch(spec.labels.replace("{row}", String(row))).then(function (response) { return response.json(); })
        .then(function (answer) { cache[row] = answer.name || ""; label.textContent = cache[row]; })
        .catch(function () { label.textContent = ""; });
    },

    _open: function (item, event) {
      var ref = this._items.ref[item], latlng = this._latLngOf(item);
      if (ref < 0) {
        var zoom = this._index.getClusterExpansionZoom(-1 - ref);
        this._map.setView(latlng, Math.min(zoom, this._clusterMax + 1));
        return;
      }
      var row = this._rows[ref];
      if (this._spec.columns) {
        L.popup({maxWidth: 320}).setLatLng(latlng).setContent(popup(this._spec, row)).openOn(this._map);
      }
      // the point's own position, which the app finds the row by (st_folium reports a layer's clicks)
      this.fire("click", {latlng: latlng, originalEvent: event.originalEvent});
    }
  });

  // Text columns carried by a standalone page: dictionary-encoded indices over the table's rows.
  function column(columns, name, row) {
    var c = columns[name];
    if (!c) { return ""; }
    if (!c.index) { c.index = c.w === 4 ? new Uint32Array(decodeBytes(c.i).buffer) : new Uint16Array(decodeBytes(c.i).buffer); }
    return c.v[c.index[row]];
  }

  function popup(spec, row) {
    var box = document.createElement("div");
    box.className = "eco-popup";
    var title = document.createElement("strong");
    title.textContent = column(spec.columns, "name", row);
    box.appendChild(title);
    spec.fields.forEach(function (field) {
      var value = column(spec.columns, field[0], row);
      if (!value || field[0] === "name") { return; }
      var line = document.createElement("div"), label = document.createElement("span");
      label.className = "eco-label";
      label.textContent = field[1] + ": ";
      line.appendChild(label);
      if (field[0] === "website") {
        if (!/^https?:\/\//i.test(value)) { return; }
        var link = document.createElement("a");
        link.href = value; link.target = "_blank"; link.rel = "noopener noreferrer";
        link.textContent = value;
        line.appendChild(link);
      } else {
        line.appendChild(document.createTextNode(value));
      }
      box.appendChild(line);
    });
    return box;
  }

  // Region outlines: one canvas under the points, drawn from coordinates projected once to web-mercator (no
  // Leaflet object per region). The base map draws them in the empty-region colour; the coverage layer only
  // changes their fill colours and hover labels.
  function parseOutlines(buffer) {
    var collection = JSON.parse(new TextDecoder().decode(buffer));
    return collection.features.map(function (feature) {
      var geometry = feature.geometry || {}, box = [Infinity, Infinity, -Infinity, -Infinity], rings = [];
      var polygons = geometry.type === "Polygon" ? [geometry.coordinates]
        : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
      polygons.forEach(function (polygon) {
        polygon.forEach(function (ring) {
          var xy = new Float64Array(ring.length * 2);
          for (var k = 0; k < ring.length; k++) {
            var x = xy[2 * k] = mercatorX(ring[k][0]), y = xy[2 * k + 1] = mercatorY(ring[k][1]);
            if (x < box[0]) { box[0] = x; } if (y < box[1]) { box[1] = y; }
            if (x > box[2]) { box[2] = x; } if (y > box[3]) { box[3] = y; }
          }
          rings.push(xy);
        });
      });
      return {id: feature.properties.id, name: feature.properties.name, rings: rings, box: box};
    });
  }

  // even-odd rule over all rings of a region (holes included), in web-mercator units
  function inside(region, x, y) {
    var box = region.box, odd = false;
    if (x < box[0] || x > box[2] || y < box[1] || y > box[3]) { return false; }
    region.rings.forEach(function (xy) {
      for (var a = 0, b = xy.length - 2; a < xy.length; b = a, a += 2) {
        if ((xy[a + 1] > y) !== (xy[b + 1] > y) &&
            x < (xy[b] - xy[a]) * (y - xy[a + 1]) / (xy[b + 1] - xy[a + 1]) + xy[a]) { odd = !odd; }
      }
    });
    return odd;
  }

  L.EcoRegions = L.Layer.extend({
    initialize: function (spec) {
      this._spec = spec;
      this._fills = {};
      this._labels = {};
    },

    getAttribution: function () { return this._spec.attribution; },

    onAdd: function (map) {
      var self = this, spec = this._spec;
      if (!map.getPane("ecoRegions")) { map.createPane("ecoRegions").style.zIndex = 350; }
      this._canvas = L.DomUtil.create("canvas", "eco-regions", map.getPane("ecoRegions"));
      this._canvas.style.pointerEvents = "none";
      map.on("moveend resize", this._redraw, this);
      listen(map);
      this.ready = fetchBytes(spec.url).then(function (buffer) {
        self._regions = parseOutlines(buffer);
        self._redraw();
        return self;
      }).catch(function (error) { fail(map, spec.failed.replace("{reason}", String(error.message || error))); });
    },

    onRemove: function (map) {
      map.off("moveend resize", this._redraw, this);
      L.DomUtil.remove(this._canvas);
      this._canvas = this._regions = null;
    },

    // fill colours, hover labels and edges ({color, weight}: the gaps) by region id (those not given: the empty
    // colour, the region's name, the base edge)
    colour: function (fills, labels, edges) {
      this._fills = fills;
      this._labels = labels;
      this._edges = edges || {};
      this._redraw();
    },

    _redraw: function () {
      var map = this._map, regions = this._regions;
      if (!map || !regions) { return; }
      var style = this._spec.style, empty = this._spec.empty, fills = this._fills;
      var size = map.getSize(), topLeft = map.containerPointToLayerPoint([0, 0]);
      var ctx = clearedCanvas(this._canvas, size, topLeft);
      var scale = 256 * Math.pow(2, map.getZoom()), origin = map.getPixelOrigin();
      var ox = origin.x + topLeft.x, oy = origin.y + topLeft.y;
      var west = ox / scale, north = oy / scale, east = (ox + size.x) / scale, south = (oy + size.y) / scale;
      ctx.lineWidth = style.weight;
      ctx.strokeStyle = style.edge;
      ctx.lineJoin = "round";
      var edges = this._edges || {}, edged = [];
      function trace(region) {
        ctx.beginPath();
        region.rings.forEach(function (xy) {
          ctx.moveTo(xy[0] * scale - ox, xy[1] * scale - oy);
          for (var k = 2; k < xy.length; k += 2) { ctx.lineTo(xy[k] * scale - ox, xy[k + 1] * scale - oy); }
          ctx.closePath();
        });
      }
      regions.forEach(function (region) {
        var box = region.box;
        if (box[2] < west || box[0] > east || box[3] < north || box[1] > south) { return; }
        trace(region);
        ctx.globalAlpha = style.opacity;
        ctx.fillStyle = fills[region.id] || empty;
        ctx.fill("evenodd");
        ctx.globalAlpha = 1;
        ctx.stroke();
        if (edges[region.id]) { edged.push(region); }
      });
      edged.forEach(function (region) {  // the gaps' edges over their neighbours'
        trace(region);
        ctx.lineWidth = edges[region.id].weight;
        ctx.strokeStyle = edges[region.id].color;
        ctx.stroke();
      });
      state.outlines = regions.length;
      state.edged = edged.length;
    },

    // the hover label of the region under a map position, or null
    labelAt: function (latlng) {
      if (!this._regions) { return null; }
      var x = mercatorX(latlng.lng), y = mercatorY(latlng.lat);
      for (var i = 0; i < this._regions.length; i++) {
        var region = this._regions[i];
        if (inside(region, x, y)) { return this._labels[region.id] || region.name; }
      }
      return null;
    }
  });

  L.ecoRegions = function (map, spec) {
    var layer = state.regionLayer = new L.EcoRegions(spec);
    layer.addTo(map);
    state.regions = layer.ready;
    return state.regions;
  };

  L.EcoCoverage = L.Layer.extend({
    initialize: function (spec) { this._spec = spec; },
    onAdd: function () {
      var spec = this._spec, self = this;
      (state.regions || Promise.resolve(null)).then(function (regions) {
        if (!regions || !self._map) { return; }
        var fills = {}, labels = {}, edges = {};
        Object.keys(spec.regions).forEach(function (id) {
          fills[id] = spec.regions[id][0];
          labels[id] = spec.regions[id][1];
          if (spec.regions[id][2]) { edges[id] = spec.regions[id][2]; }  // a gap: its own edge colour and width
        });
        regions.colour(fills, labels, edges);
      });
    },
    onRemove: function () {
      (state.regions || Promise.resolve(null)).then(function (regions) {
        if (regions) { regions.colour({}, {}); }
      });
    }
  });

  // Show the filters' place (their regions or countries) when it changes; a rerun with the same place keeps the
  // visitor's own pan and zoom.
  L.ecoFit = function (map, bounds) {
    var wanted = JSON.stringify(bounds);
    if (state.fitted === wanted) { return; }
    state.fitted = wanted;
    map.fitBounds(bounds, {animate: false});
  };

  // st_folium keeps every overlay group it ever added in window.feature_group: forget those no longer on the map
  L.ecoForgetRemovedGroups = function (map) {
    if (Array.isArray(window.feature_group)) {
      window.feature_group = window.feature_group.filter(function (group) { return map.hasLayer(group); });
    }
  };
})();
