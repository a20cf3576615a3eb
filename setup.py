from setuptools import find_packages, setup

setup(
    name="keras_cnns",
    version="0.1.0",
    description="Keras 3 model zoo of classic CNNs, with keras-tuner searches and TFLite deployment.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10,<3.13",
    packages=find_packages(include=["keras_cnns", "keras_cnns.*", "tuning", "tuning.*", "tflite", "tflite.*"]),
    install_requires=[
        "tensorflow>=2.21,<2.22",
        "keras>=3.15,<3.16",
        "tensorflow-datasets>=4.9.10,<4.10",
        "importlib_resources>=6",  # imported by tensorflow-datasets' dataset builders, undeclared for Python >= 3.9
        "keras-tuner>=1.4.8,<1.5",
        "tensorflow-model-optimization>=0.8.1,<0.9",
        "tf_keras>=2.21,<2.22",
        "ai-edge-litert>=2.3,<2.4",
        "tflite-micro>=0.dev20261023",  # nightly builds only: this specifier admits them
        "scikit-learn>=1.5",
        "matplotlib>=3.8",
        "tensorboard>=2.21,<2.22",
        "grpcio>=1.60",
        "tqdm>=4.66",
        "adjustText>=1.0",
    ],
    extras_require={
        "test": ["pytest>=8", "pytest-xdist>=3.5"],
    },
    entry_points={"console_scripts": ["keras-cnns=keras_cnns.cli:main"]},
)
