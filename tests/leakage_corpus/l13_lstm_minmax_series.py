# leakage-corpus: expect=MLD602
import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler
from keras.models import Sequential
from keras.layers import Dense, LSTM

dataframe = pd.read_csv("airline-passengers.csv", usecols=[1])
dataset = dataframe.values.astype("float32")
scaler = MinMaxScaler(feature_range=(0, 1))
dataset = scaler.fit_transform(dataset)

train_size = int(len(dataset) * 0.67)
train, test = dataset[0:train_size, :], dataset[train_size:len(dataset), :]


def create_dataset(series, look_back=1):
    xs, ys = [], []
    for i in range(len(series) - look_back - 1):
        xs.append(series[i:(i + look_back), 0])
        ys.append(series[i + look_back, 0])
    return np.array(xs), np.array(ys)


trainX, trainY = create_dataset(train, 3)
testX, testY = create_dataset(test, 3)
trainX = np.reshape(trainX, (trainX.shape[0], 1, trainX.shape[1]))
testX = np.reshape(testX, (testX.shape[0], 1, testX.shape[1]))
model = Sequential()
model.add(LSTM(4, input_shape=(1, 3)))
model.add(Dense(1))
model.compile(loss="mean_squared_error", optimizer="adam")
model.fit(trainX, trainY, epochs=100, batch_size=1, verbose=2)
print(model.evaluate(testX, testY))
