"""clp.conf: EXPRESSCLUSTER's configuration file, written and read in the product's layout."""
