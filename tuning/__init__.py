"""keras-tuner HyperModels over depth and width of the keras_cnns families (imports keras_cnns, never the
reverse)."""
