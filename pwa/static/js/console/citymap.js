// A Leaflet map of the city drawn from its own layers (districts, main streets), with an optional
// tile layer when the deployment configures one. Used by the intake form and the console.
import { api, config, named } from './common.js';

const L = window.L;

export async function cityMap(elementId, { streets = 'arterial,collector', districtLabels = true } = {}) {
  const city = await api('/api/city');
  const [minLon, minLat, maxLon, maxLat] = city.bbox;
  const map = L.map(elementId, {
    zoomControl: true, attributionControl: false, preferCanvas: true, zoomSnap: 0.25,
  });
  map.fitBounds([[minLat, minLon], [maxLat, maxLon]], { padding: [8, 8] });
  if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19 }).addTo(map);
  const districts = await api('/api/city/districts.geojson');
  const districtLayer = L.geoJSON(districts, {
    style: { color: '#0b4f6c', weight: 2, fillColor: '#0b4f6c', fillOpacity: 0.04 },
    interactive: false,
  }).addTo(map);
  if (districtLabels) {
    for (const feature of districts.features) {
      const center = L.geoJSON(feature).getBounds().getCenter();
      const props = feature.properties || {};
      const label = config.lang === 'fa' ? props.name_fa : props.name_en;
      L.marker(center, {
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: 'district-label', html: '', iconSize: null }),
      }).addTo(map).getElement().textContent = label || named(props.name) || String(props.code);
    }
  }
  const layers = { districts: districtLayer };
  if (streets) {
    const url = `/api/city/streets.geojson?bbox=${minLon},${minLat},${maxLon},${maxLat}&classes=${streets}`;
    const lines = await api(url);
    layers.streets = L.geoJSON(lines, {
      style: (f) => ({
        color: f.properties.road_class === 'arterial' ? '#7a8793' : '#a9b4be',
        weight: f.properties.road_class === 'arterial' ? 2.5 : 1.3,
      }),
      interactive: false,
    }).addTo(map);
    layers.streets.bringToBack();
  }
  // The map's box changes size as panels below it fill; keep Leaflet's idea of it in step.
  const bounds = [[minLat, minLon], [maxLat, maxLon]];
  let fitted = false;
  new ResizeObserver(() => {
    map.invalidateSize();
    if (!fitted || map.getBounds().contains(bounds)) map.fitBounds(bounds, { padding: [8, 8] });
    fitted = true;
  }).observe(map.getContainer());
  return { map, city, layers, L };
}

export const PRIORITY_COLORS = { urgent: '#b3261e', high: '#d9730d', normal: '#1f5f99', low: '#6b7785' };
