"""A tiny Streamlit page with one folium map, for the offline-assets browser tests."""

import folium
import streamlit as st
from folium.plugins import MarkerCluster
from streamlit_folium import st_folium

from ecosystem.assets import localise_map_assets
from ecosystem.config import map_assets_mode

CITIES = {"Riga": (56.9496, 24.1052), "Tallinn": (59.4370, 24.7536), "Vilnius": (54.6872, 25.2797)}
CLUSTERED = {"Helsinki": (60.1699, 24.9384)}
POLYGON = {
    "type": "Feature",
    "properties": {"name": "Gulf of Riga"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[22.5, 57.2], [24.5, 57.2], [24.5, 58.6], [22.5, 58.6], [22.5, 57.2]]],
    },
}

m = folium.Map(location=[57.5, 24.5], zoom_start=5, tiles=None)
m.options["max_zoom"] = 18  # without tiles folium drops max_zoom, and MarkerCluster throws without one
for name, location in CITIES.items():
    folium.CircleMarker(location, radius=10, fill=True, tooltip=name, popup=name).add_to(m)  # popups need jQuery
cluster = MarkerCluster().add_to(m)
for name, location in CLUSTERED.items():
    folium.CircleMarker(location, radius=10, fill=True, tooltip=name).add_to(cluster)
folium.GeoJson(POLYGON, name="gulf").add_to(m)
if map_assets_mode() == "local":
    localise_map_assets(m)

result = st_folium(m, key="map", height=500, returned_objects=["last_object_clicked"])
st.write(result)
