"""References for the extension models (ST-CNN, SWWAE); see references.py."""

PARAMETERS = {
    # ST-CNN at 60x60x1, 10 classes. Localization (the paper's MNIST net): pool 2 -> 30x30; conv 20@5x5
    # 5*5*1*20+20 = 520 -> 26x26 -> pool 13x13; conv 20@5x5 5*5*20*20+20 = 10,020 -> 9x9x20 = 1,620;
    # FC 50: 1,620*50+50 = 81,050; FC 6: 50*6+6 = 306.  CNN: conv 32@3x3 9*32+32 = 320; conv 64@3x3
    # 9*32*64+64 = 18,496; conv 64@3x3 9*64*64+64 = 36,928; 60 -> 30 -> 15 -> 7: 7*7*64*10+10 = 31,370.
    "st_cnn": (520 + 10_020 + 81_050 + 306) + (320 + 18_496 + 36_928 + 31_370),
    # SWWAE at 28x28x1, 10 classes. Encoder: conv 32@3x3 9*32+32 = 320; conv 64@3x3 9*32*64+64 = 18,496;
    # 28 -> 14 -> 7: FC 128 7*7*64*128+128 = 401,536; classifier 128*10+10 = 1,290. Decoder: conv 32@3x3
    # 9*64*32+32 = 18,464; conv 1@3x3 9*32+1 = 289. Pooling, unpooling and the losses have no weights.
    "swwae": (320 + 18_496 + 401_536 + 1_290) + (18_464 + 289),
}

SMALL_SIZES = {"st_cnn": 28, "swwae": 16}
