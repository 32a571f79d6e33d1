"""The original project's fraud pipeline, rebuilt in Python/Keras from its write-up.

Written from the prose of the original project's "AI Model" section (none of its code exists
here), to measure it beside the TensorFlow.js port: six features, nulls/infinities dropped,
label encoding of text columns, StandardScaler, an 80/20 split, a [16, 8, 4] ReLU encoder with L2
0.001 and dropout 0.2, a mirrored decoder with a sigmoid output, MSE, Adam, up to 100 epochs of
batch 32 with early stopping on validation loss (patience 10, best weights restored), and the
threshold at the 95th percentile of the test-set errors.

Prints one JSON object (figures, timings) on the last line of stdout, so
scripts/bench/fraud-vs-original.sh can put it beside ours. Run it in a throw-away venv
(tensorflow-cpu, pandas, scikit-learn); it reads the data, it never writes any.

    python fraud-original-keras.py TRAINING_CSV FRAUD_CSV [--seed 42] [--repeat-scoring 20]
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import LabelEncoder, StandardScaler  # noqa: E402

# The six inputs the write-up's model takes: what is left of account_stripemodel once the ids
# (id, card_id, customer_id), the email and the other personal data (name, city) are dropped.
FEATURES = ["user_id", "card_number", "exp_month", "exp_year", "address_state", "address_zip"]


def encode(train: pd.DataFrame, other: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Label-encode text columns (fitted on the training table) and return float matrices."""
    train = train.copy()
    other = other.copy()
    for column in FEATURES:
        if pd.api.types.is_numeric_dtype(train[column]):
            continue
        encoder = LabelEncoder().fit(train[column].astype(str))
        mapping = {value: index for index, value in enumerate(encoder.classes_)}
        train[column] = encoder.transform(train[column].astype(str))
        # Categories the training table never had get -1 (the write-up does not say; this is the
        # least surprising choice and affects no row of the original fraud file).
        other[column] = other[column].astype(str).map(mapping).fillna(-1)
    return train[FEATURES].to_numpy(float), other[FEATURES].to_numpy(float)


def build_model(inputs: int, seed: int):
    import tensorflow as tf
    from tensorflow.keras import layers, regularizers

    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([layers.Input(shape=(inputs,))])
    for units in (16, 8, 4):
        model.add(
            layers.Dense(units, activation="relu", kernel_regularizer=regularizers.l2(0.001))
        )
        model.add(layers.Dropout(0.2))
    for units in (8, 16):
        model.add(
            layers.Dense(units, activation="relu", kernel_regularizer=regularizers.l2(0.001))
        )
        model.add(layers.Dropout(0.2))
    model.add(layers.Dense(inputs, activation="sigmoid"))
    model.compile(optimizer="adam", loss="mse")
    return model


def stats(errors: np.ndarray) -> dict[str, float]:
    return {
        "mean": float(errors.mean()),
        "median": float(np.median(errors)),
        "min": float(errors.min()),
        "max": float(errors.max()),
        "std": float(errors.std()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("training_csv")
    parser.add_argument("fraud_csv")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat-scoring", type=int, default=20)
    args = parser.parse_args()

    import tensorflow as tf

    raw = pd.read_csv(args.training_csv)
    fraud_raw = pd.read_csv(args.fraud_csv)
    table = raw[FEATURES].replace([np.inf, -np.inf], np.nan).dropna()
    train_matrix, fraud_matrix = encode(table, fraud_raw[FEATURES])
    scaler = StandardScaler().fit(train_matrix)
    scaled = scaler.transform(train_matrix)
    fraud_scaled = scaler.transform(fraud_matrix)
    x_train, x_test = train_test_split(scaled, test_size=0.2, random_state=args.seed)

    model = build_model(len(FEATURES), args.seed)
    started = time.perf_counter()
    history = model.fit(
        x_train,
        x_train,
        epochs=100,
        batch_size=32,
        validation_data=(x_test, x_test),
        shuffle=True,
        verbose=0,
        callbacks=[
            tf.keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=10, restore_best_weights=True
            )
        ],
    )
    training_seconds = time.perf_counter() - started

    test_errors = np.mean((x_test - model.predict(x_test, verbose=0)) ** 2, axis=1)
    threshold = float(np.percentile(test_errors, 95))
    fraud_errors = np.mean((fraud_scaled - model.predict(fraud_scaled, verbose=0)) ** 2, axis=1)

    # Scoring throughput: the fraud file predicted repeatedly, as one batch per call.
    started = time.perf_counter()
    for _ in range(args.repeat_scoring):
        model.predict(fraud_scaled, batch_size=len(fraud_scaled), verbose=0)
    scoring_seconds = time.perf_counter() - started
    scored_rows = args.repeat_scoring * len(fraud_scaled)

    result = {
        "features": FEATURES,
        "rows_after_cleaning": int(len(table)),
        "train_rows": int(len(x_train)),
        "test_rows": int(len(x_test)),
        "trainable_parameters": int(
            sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        ),
        "epochs_run": len(history.history["loss"]),
        "training_seconds": training_seconds,
        "threshold": threshold,
        "test_errors": stats(test_errors),
        "test_anomalies": int((test_errors > threshold).sum()),
        "fraud_rows": int(len(fraud_errors)),
        "fraud_anomalies": int((fraud_errors > threshold).sum()),
        "scoring_rows_per_second": scored_rows / scoring_seconds,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
