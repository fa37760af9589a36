# leakage-corpus: expect=none
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.neural_network import MLPRegressor
from sklearn.metrics import mean_squared_error, r2_score


def load(path):
    frame = pd.read_csv(path)
    frame = frame.dropna(subset=["price"])
    return frame.drop(columns=["price"]), frame["price"]


def build_model():
    return make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(64, 32), max_iter=500, random_state=0))


def evaluate(model, X, y):
    pred = model.predict(X)
    return {"rmse": mean_squared_error(y, pred) ** 0.5, "r2": r2_score(y, pred)}


X, y = load("data/cars.csv")
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
model = build_model()
model.fit(X_train, y_train)
print(evaluate(model, X_test, y_test))
