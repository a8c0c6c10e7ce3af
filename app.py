"""Web app: ``streamlit run app.py`` (pages live in pathways/ui/)."""
from pathways.ui import main

main()
