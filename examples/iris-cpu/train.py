"""Trains the example's iris classifier and saves it as the model file the server loads.

The data is the iris data set that Debian's python3-sklearn ships, so training needs no
download. The model is a multinomial logistic regression; its weights are written as JSON so
that serving needs nothing but the Python standard library.
"""
import json
import pathlib
import sys

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression


def main(out_dir: str) -> None:
    iris = load_iris()
    model = LogisticRegression(max_iter=1000, random_state=0)
    model.fit(iris.data, iris.target)
    accuracy = model.score(iris.data, iris.target)
    weights = {
        "format": "stowage-example-logreg/1",
        "features": list(iris.feature_names),
        "classes": [str(c) for c in iris.target_names],
        "coef": [[round(float(w), 10) for w in row] for row in model.coef_],
        "intercept": [round(float(b), 10) for b in model.intercept_],
        "training_accuracy": round(float(accuracy), 4),
    }
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "iris-logreg.json").write_text(json.dumps(weights, indent=2, sort_keys=True) + "\n")
    print(f"trained on {len(iris.target)} samples, training accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "model")
