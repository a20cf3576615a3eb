"""References for the extension models (ST-CNN); see references.py."""

PARAMETERS = {
    # ST-CNN at 60x60x1, 10 classes. Localization (the paper's MNIST net): pool 2 -> 30x30; conv 20@5x5
    # 5*5*1*20+20 = 520 -> 26x26 -> pool 13x13; conv 20@5x5 5*5*20*20+20 = 10,020 -> 9x9x20 = 1,620;
    # FC 50: 1,620*50+50 = 81,050; FC 6: 50*6+6 = 306.  CNN: conv 32@3x3 9*32+32 = 320; conv 64@3x3
    # 9*32*64+64 = 18,496; conv 64@3x3 9*64*64+64 = 36,928; 60 -> 30 -> 15 -> 7: 7*7*64*10+10 = 31,370.
    "st_cnn": (520 + 10_020 + 81_050 + 306) + (320 + 18_496 + 36_928 + 31_370),
}

SMALL_SIZES = {"st_cnn": 28}
