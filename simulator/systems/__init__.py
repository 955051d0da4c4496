"""Record shapes and renderers, one module per source system (vendor export formats)."""
