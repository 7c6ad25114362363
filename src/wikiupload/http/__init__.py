"""HTTP helpers: streaming multipart/form-data parsing and form reading."""
