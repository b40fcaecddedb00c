"""Baltic Social Ecosystem Map: all logic of the dashboard, importable without Streamlit."""
