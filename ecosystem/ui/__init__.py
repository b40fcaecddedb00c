"""The Streamlit side of the dashboard: the only modules that import Streamlit, one responsibility each."""
