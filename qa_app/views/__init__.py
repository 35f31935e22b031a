"""The Streamlit app's pages (run through qa_app/app.py) and what they share."""
